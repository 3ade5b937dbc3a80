import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context, MiddlewareHandler } from 'hono';
import type { Redis } from 'ioredis';
import type { AppEnv, RateLimits } from '../context.ts';
import { errorBody } from '../errors.ts';

export const DEFAULT_RATE_LIMITS: RateLimits = { standard: 100, premium: 500, admin: 1000 };
const WINDOW_S = 60;

export type RateLimitOptions = {
  redis: Redis;
  /** Key prefix (QUEUE_PREFIX): tests and installs sharing a Redis never share counters. */
  prefix: string;
  limits: RateLimits;
  trustProxy: boolean;
};

function clientAddress(c: Context<AppEnv>, trustProxy: boolean): string {
  if (trustProxy) {
    const fwd = c.req.header('X-Forwarded-For')?.split(',')[0]?.trim();
    if (fwd) return fwd.slice(0, 64);
  }
  try {
    return getConnInfo(c).remote.address ?? 'unknown';
  } catch {
    // app.request() in tests has no socket.
    return 'unknown';
  }
}

/**
 * Fixed 60-second windows counted in Redis (INCR + EXPIRE in one MULTI), so every API process
 * shares one budget per user. Authenticated callers are limited by tier (admins by role);
 * anonymous ones (login, refresh) by address at the standard limit. Redis down means the
 * MULTI is rejected at once (no offline queue) and the request is answered 503 by onError.
 */
export function rateLimit(opts: RateLimitOptions): MiddlewareHandler<AppEnv> {
  return async function limitRate(c, next) {
    const user = c.get('user');
    const limit = user
      ? user.role === 'admin'
        ? opts.limits.admin
        : opts.limits[user.tier]
      : opts.limits.standard;
    const who = user ? `user:${user.id}` : `addr:${clientAddress(c, opts.trustProxy)}`;
    const nowS = Math.floor(Date.now() / 1000);
    const windowStart = nowS - (nowS % WINDOW_S);
    const reset = windowStart + WINDOW_S;
    const key = `${opts.prefix}:ratelimit:${who}:${windowStart}`;
    const res = await opts.redis
      .multi()
      .incr(key)
      .expire(key, WINDOW_S + 5)
      .exec();
    const [incrErr, count] = res?.[0] ?? [new Error('rate limit MULTI aborted'), 0];
    if (incrErr) throw incrErr;
    const used = Number(count);
    const headers = {
      'X-RateLimit-Limit': String(limit),
      'X-RateLimit-Remaining': String(Math.max(0, limit - used)),
      'X-RateLimit-Reset': String(reset),
    };
    if (used > limit) {
      return c.json(errorBody(429, 'Rate limit exceeded'), 429, {
        ...headers,
        'Retry-After': String(Math.max(1, reset - nowS)),
      });
    }
    await next();
    for (const [k, v] of Object.entries(headers)) c.res.headers.set(k, v);
  };
}
