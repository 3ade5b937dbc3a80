import { rotateRefreshToken } from '@slipway/core';
import { z } from 'zod';
import type { ApiApp, AppDeps } from '../../context.ts';
import { ACCESS_TOKEN_TTL_S, signAccessToken } from '../../tokens.ts';
import { jsonBody, text } from '../../validation.ts';

export const RefreshBody = z.object({ refresh_token: text(512) });

/** POST /api/auth/refresh: consumes the refresh token (a reuse is a 401) and issues a new pair. */
export function registerRefresh(app: ApiApp, deps: AppDeps): void {
  app.post('/api/auth/refresh', async function refresh(c) {
    const b = await jsonBody(c, RefreshBody);
    const { user, refreshToken } = await rotateRefreshToken(deps.core, b.refresh_token);
    c.set('auditUserId', user.id);
    return c.json({
      access_token: await signAccessToken(deps.config.JWT_SECRET, user),
      refresh_token: refreshToken,
      token_type: 'Bearer',
      expires_in: ACCESS_TOKEN_TTL_S,
    });
  });
}
