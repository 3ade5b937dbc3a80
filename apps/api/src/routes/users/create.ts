import { userRoutes } from '@slipway/contract';
import { createUser } from '@slipway/core';
import type { ApiApp, AppDeps } from '../../context.ts';
import { withJsonBody } from '../../openapi.ts';
import { serializeUser } from '../../serializers.ts';

/** POST /api/users (admins only): 201 with the user, never the password hash. */
export function registerCreateUser(app: ApiApp, deps: AppDeps): void {
  app.openapi(withJsonBody(userRoutes.createUser), async function createUserRoute(c) {
    const user = await createUser(deps.core, c.get('actor'), c.req.valid('json'));
    return c.json(serializeUser(user), 201);
  });
}
