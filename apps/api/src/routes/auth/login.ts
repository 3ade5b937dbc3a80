import { userRoutes } from '@slipway/contract';
import { login } from '@slipway/core';
import type { ApiApp, AppDeps } from '../../context.ts';
import { withJsonBody } from '../../openapi.ts';
import { ACCESS_TOKEN_TTL_S, signAccessToken } from '../../tokens.ts';

/** POST /api/auth/login: email + password -> access token (1 h) and a rotating refresh token. */
export function registerLogin(app: ApiApp, deps: AppDeps): void {
  app.openapi(withJsonBody(userRoutes.login), async function loginRoute(c) {
    const b = c.req.valid('json');
    const { user, refreshToken } = await login(deps.core, b.email, b.password);
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
