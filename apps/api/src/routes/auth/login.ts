import { userRoutes } from '@slipway/contract';
import { login } from '@slipway/core';
import type { ApiApp, AppDeps } from '../../context.ts';
import { withJsonBody } from '../../openapi.ts';
import { ACCESS_TOKEN_TTL_S, signAccessToken } from '../../tokens.ts';
import { setRefreshCookie } from './cookie.ts';

/**
 * POST /api/auth/login: email + password -> access token (1 h) and a rotating refresh token (in the
 * body, or with `refresh_cookie: true` in the HttpOnly refresh cookie instead).
 */
export function registerLogin(app: ApiApp, deps: AppDeps): void {
  app.openapi(withJsonBody(userRoutes.login), async function loginRoute(c) {
    const b = c.req.valid('json');
    const { user, refreshToken } = await login(deps.core, b.email, b.password);
    c.set('auditUserId', user.id);
    // The console asks for the refresh token as an HttpOnly cookie, out of its scripts' reach.
    if (b.refresh_cookie) setRefreshCookie(c, refreshToken);
    return c.json(
      {
        access_token: await signAccessToken(deps.config.JWT_SECRET, user),
        ...(b.refresh_cookie ? {} : { refresh_token: refreshToken }),
        token_type: 'Bearer' as const,
        expires_in: ACCESS_TOKEN_TTL_S,
      },
      200,
    );
  });
}
