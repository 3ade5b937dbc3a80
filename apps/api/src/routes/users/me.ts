import { userRoutes } from '@slipway/contract';
import { getUser, notFound } from '@slipway/core';
import type { ApiApp, AppDeps } from '../../context.ts';
import { serializeUser } from '../../serializers.ts';

/** GET /api/users/me: who the token belongs to. */
export function registerMe(app: ApiApp, deps: AppDeps): void {
  app.openapi(userRoutes.getCurrentUser, async function me(c) {
    const actor = c.get('actor');
    const user = await getUser(deps.core, actor.id);
    if (!user) throw notFound(actor.id);
    return c.json(serializeUser(user), 200);
  });
}
