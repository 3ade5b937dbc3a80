import { userRoutes } from '@slipway/contract';
import { listUsers } from '@slipway/core';
import type { ApiApp, AppDeps } from '../../context.ts';
import { listResponse } from '../../pagination.ts';
import { serializeUser } from '../../serializers.ts';

/** GET /api/users (admins only): a page of users, oldest first, never a password hash. */
export function registerListUsers(app: ApiApp, deps: AppDeps): void {
  app.openapi(userRoutes.listUsers, async function listUsersRoute(c) {
    const q = c.req.valid('query');
    const page = await listUsers(deps.core, c.get('actor'), {
      page: q.page,
      perPage: q.per_page,
      role: q.role,
      email: q.email,
    });
    return listResponse(c, page, serializeUser);
  });
}
