import { withClientAddress } from '@slipway/core';
import type { Context, MiddlewareHandler } from 'hono';
import type { Redis } from 'ioredis';
import type { AppEnv, RateLimits } from '../context.ts';
import { errorBody } from '../errors.ts';
import { clientAddress, type TrustProxy } from './client-address.ts';
import { createLoginLimiter, type LoginLimiter, type LoginLimits } from './login-limiter.ts';
import { slidingWindow } from './sliding-window.ts';
import { responseHeaders } from './standard-headers.ts';

export const DEFAULT_RATE_LIMITS: RateLimits = { standard: 100, premium: 500, admin: 1000 };
const WINDOW_MS = 60_000;
export const LOGIN_PATH = '/api/auth/login';

export type RateLimitOptions = {
  redis: Redis;
  /** Key prefix (QUEUE_PREFIX): tests and installs sharing a Redis never share counters. */
  prefix: string;
  limits: RateLimits;
  /** Trusted proxies (TRUST_PROXY); the client is the rightmost hop that is not one of them. */
  trustProxy: TrustProxy | boolean;
  /** The shared login limiter; built from redis + prefix when absent. */
  loginLimiter?: LoginLimiter;
  loginLimits?: Partial<LoginLimits>;
};

/** `true` (the old boolean setting) means proxies on loopback and private networks. */
export function trustList(t: TrustProxy | boolean): TrustProxy {
  if (t === true) return ['loopback', 'linklocal', 'uniquelocal'];
  return t;
}

export function tooManyRequests(c: Context, retryAfterS: number, headers: Record<string, string> = {}) {
  return c.json(errorBody(429, 'Rate limit exceeded'), 429, {
    ...headers,
    'Retry-After': String(retryAfterS),
  });
}

/** The email a login body names, if it names one (anything else is the route's 4xx to give). */
async function loginAccount(c: Context): Promise<string | null> {
  try {
    const body = JSON.parse(await c.req.text()) as { email?: unknown };
    return typeof body?.email === 'string' && body.email.length <= 254 ? body.email : null;
  } catch {
    return null;
  }
}

/**
 * Per-caller budgets over a sliding 60 s window kept in Redis (see sliding-window.ts), so no 60 s
 * span passes more than the limit and every API process shares one budget per caller.
 * Authenticated callers are limited by tier (admins by role); anonymous ones (login, refresh) by
 * address at the standard limit. POST /api/auth/login also goes through the login limiter
 * (per address, per account, back-off). Redis down means the script is rejected at once (no
 * offline queue) and the request is answered 503 by onError.
 */
export function rateLimit(opts: RateLimitOptions): MiddlewareHandler<AppEnv> {
  const hit = slidingWindow(opts.redis, WINDOW_MS);
  const addressOf = clientAddress(trustList(opts.trustProxy));
  const login =
    opts.loginLimiter ??
    createLoginLimiter({ redis: opts.redis, prefix: opts.prefix, limits: opts.loginLimits });
  return async function limitRate(c, next) {
    const user = c.get('user');
    const limit = user
      ? user.role === 'admin'
        ? opts.limits.admin
        : opts.limits[user.tier]
      : opts.limits.standard;
    const address = addressOf(c);
    const who = user ? `user:${user.id}` : `addr:${address}`;
    // The trailing segment names the algorithm, so keys of the old fixed windows never collide.
    const d = await hit(`${opts.prefix}:ratelimit:${who}:sliding`, limit);
    const limitText = String(d.limit);
    const remainingText = String(d.remaining);
    const resetText = String(d.resetS);
    const refused = (retryAfterS: number) =>
      tooManyRequests(c, retryAfterS, {
        'X-RateLimit-Limit': limitText,
        'X-RateLimit-Remaining': remainingText,
        'X-RateLimit-Reset': resetText,
      });
    if (!d.allowed) return refused(d.retryAfterS);

    const account =
      !user && c.req.method === 'POST' && c.req.path === LOGIN_PATH ? await loginAccount(c) : null;
    // The handlers run with the client address in scope: core's security events name it.
    const run = () => withClientAddress(address, () => next());
    if (account !== null) {
      const verdict = await login.begin(address, account);
      if (!verdict.allowed) return refused(verdict.retryAfterS);
      await run();
      const status = c.res.status;
      if (status === 200) await login.succeeded(address, account);
      else if (status === 401) await login.failed(address, account);
      else await login.release(address, account);
    } else {
      await run();
    }
    const set = responseHeaders(c);
    set('X-RateLimit-Limit', limitText);
    set('X-RateLimit-Remaining', remainingText);
    set('X-RateLimit-Reset', resetText);
  };
}
