import { userRoutes } from '@slipway/contract';
import { rotateRefreshToken } from '@slipway/core';
import type { ApiApp, AppDeps } from '../../context.ts';
import { withJsonBody } from '../../openapi.ts';
import { ACCESS_TOKEN_TTL_S, signAccessToken } from '../../tokens.ts';

/** POST /api/auth/refresh: consumes the refresh token (a reuse is a 401) and issues a new pair. */
export function registerRefresh(app: ApiApp, deps: AppDeps): void {
  app.openapi(withJsonBody(userRoutes.refreshToken), async function refresh(c) {
    const b = c.req.valid('json');
    const { user, refreshToken } = await rotateRefreshToken(deps.core, b.refresh_token);
    c.set('auditUserId', user.id);
    return c.json(
      {
        access_token: await signAccessToken(deps.config.JWT_SECRET, user),
        refresh_token: refreshToken,
        token_type: 'Bearer' as const,
        expires_in: ACCESS_TOKEN_TTL_S,
      },
      200,
    );
  });
}
