import { createUser } from '@slipway/core';
import { userRoles, userTiers } from '@slipway/db';
import { z } from 'zod';
import type { ApiApp, AppDeps } from '../../context.ts';
import { serializeUser } from '../../serializers.ts';
import { jsonBody, text } from '../../validation.ts';

export const CreateUserBody = z.object({
  email: z.email().max(254),
  password: text(1024).refine((p) => p.length >= 8, 'must be at least 8 characters'),
  role: z.enum(userRoles),
  tier: z.enum(userTiers).default('standard'),
});

/** POST /api/users (admins only): 201 with the user, never the password hash. */
export function registerCreateUser(app: ApiApp, deps: AppDeps): void {
  app.post('/api/users', async function createUserRoute(c) {
    const b = await jsonBody(c, CreateUserBody);
    const user = await createUser(deps.core, c.get('actor'), b);
    return c.json(serializeUser(user), 201);
  });
}
