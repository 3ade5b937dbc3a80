import { userRoutes } from '@slipway/contract';
import { DomainError, rotateRefreshToken } from '@slipway/core';
import type { ApiApp, AppDeps } from '../../context.ts';
import { withJsonBody } from '../../openapi.ts';
import { ACCESS_TOKEN_TTL_S, signAccessToken } from '../../tokens.ts';
import { readRefreshCookie, setRefreshCookie } from './cookie.ts';

/**
 * POST /api/auth/refresh: consumes the refresh token (a reuse is a 401) and issues a new pair. The
 * token comes in the body, or, when the body has none, in the HttpOnly refresh cookie (then the new
 * one is set as that cookie and left out of the body).
 */
export function registerRefresh(app: ApiApp, deps: AppDeps): void {
  app.openapi(withJsonBody(userRoutes.refreshToken), async function refresh(c) {
    const b = c.req.valid('json');
    // No token in the body: the console's HttpOnly cookie carries it, and the new one goes back there.
    const fromCookie = b.refresh_token === undefined;
    const presented = b.refresh_token ?? readRefreshCookie(c);
    if (presented === undefined) throw new DomainError('unauthorized', 'Refresh token required');
    const { user, refreshToken } = await rotateRefreshToken(deps.core, presented);
    c.set('auditUserId', user.id);
    if (fromCookie) setRefreshCookie(c, refreshToken);
    return c.json(
      {
        access_token: await signAccessToken(deps.config.JWT_SECRET, user),
        ...(fromCookie ? {} : { refresh_token: refreshToken }),
        token_type: 'Bearer' as const,
        expires_in: ACCESS_TOKEN_TTL_S,
      },
      200,
    );
  });
}
