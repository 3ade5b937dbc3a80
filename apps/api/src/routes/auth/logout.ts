import { auditRoutes } from '@slipway/contract';
import { DomainError, revokeRefreshFamily } from '@slipway/core';
import type { ApiApp, AppDeps } from '../../context.ts';
import { withJsonBody } from '../../openapi.ts';
import { clearRefreshCookie, readRefreshCookie } from './cookie.ts';

/**
 * POST /api/auth/logout: revokes the family of the presented refresh token (from the body, or the
 * HttpOnly cookie): that token and every one rotated from it stop working. Needs the caller's
 * Bearer token, and the refresh token must be the caller's own.
 */
export function registerLogout(app: ApiApp, deps: AppDeps): void {
  app.openapi(withJsonBody(auditRoutes.logout), async function logout(c) {
    const b = c.req.valid('json');
    const presented = b.refresh_token ?? readRefreshCookie(c);
    if (presented === undefined) throw new DomainError('unauthorized', 'Refresh token required');
    await revokeRefreshFamily(deps.core, c.get('actor'), presented);
    clearRefreshCookie(c);
    return c.body(null, 204);
  });
}
