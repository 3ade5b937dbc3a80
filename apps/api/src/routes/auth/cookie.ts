import { REFRESH_COOKIE } from '@slipway/contract';
import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';

// The web console keeps its refresh token where no page script can read it: an HttpOnly,
// SameSite=Strict cookie sent only to /api/auth (Secure over https). A login asks for it with
// `refresh_cookie: true`; a refresh without `refresh_token` in its body uses the cookie and answers
// with a new cookie. API clients that send the token in the body keep getting it in the body.

export { REFRESH_COOKIE };
export const REFRESH_COOKIE_PATH = '/api/auth';
/** The refresh family's absolute lifetime (core/auth): the cookie never outlives it. */
const MAX_AGE_S = 30 * 24 * 3600;

function overHttps(c: Context): boolean {
  return new URL(c.req.url).protocol === 'https:';
}

export function readRefreshCookie(c: Context): string | undefined {
  const v = getCookie(c, REFRESH_COOKIE);
  return v === undefined || v === '' ? undefined : v;
}

export function setRefreshCookie(c: Context, token: string): void {
  setCookie(c, REFRESH_COOKIE, token, {
    httpOnly: true,
    sameSite: 'Strict',
    path: REFRESH_COOKIE_PATH,
    secure: overHttps(c),
    maxAge: MAX_AGE_S,
  });
}

export function clearRefreshCookie(c: Context): void {
  deleteCookie(c, REFRESH_COOKIE, { path: REFRESH_COOKIE_PATH, secure: overHttps(c), sameSite: 'Strict' });
}
