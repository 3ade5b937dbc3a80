import { login } from '@slipway/core';
import { z } from 'zod';
import type { ApiApp, AppDeps } from '../../context.ts';
import { ACCESS_TOKEN_TTL_S, signAccessToken } from '../../tokens.ts';
import { jsonBody, text } from '../../validation.ts';

export const LoginBody = z.object({ email: text(254), password: text(1024) });

/** POST /api/auth/login: email + password -> access token (1 h) and a rotating refresh token. */
export function registerLogin(app: ApiApp, deps: AppDeps): void {
  app.post('/api/auth/login', async function loginRoute(c) {
    const b = await jsonBody(c, LoginBody);
    const { user, refreshToken } = await login(deps.core, b.email, b.password);
    c.set('auditUserId', user.id);
    return c.json({
      access_token: await signAccessToken(deps.config.JWT_SECRET, user),
      refresh_token: refreshToken,
      token_type: 'Bearer',
      expires_in: ACCESS_TOKEN_TTL_S,
    });
  });
}
