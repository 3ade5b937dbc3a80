import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';

/**
 * A sliding-log limiter in Redis: one sorted set per caller holding the time of every request it
 * let through in the last window. A request passes only while fewer than `limit` are logged, so no
 * window-long span ever passes more than `limit` — wherever the span starts. Fixed windows (and
 * rate-limiter-flexible's, which start at the first request) let 2x the limit through around a
 * boundary; a token bucket of the same capacity and rate lets up to 2x through in one window too.
 * The script reads Redis' own clock, so API processes with skewed clocks share one log.
 */
const SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local window = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local n = redis.call('ZCARD', KEYS[1])
local allowed = 0
if n < limit then
  redis.call('ZADD', KEYS[1], now, ARGV[3])
  n = n + 1
  allowed = 1
end
redis.call('PEXPIRE', KEYS[1], window)
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return { allowed, n, tonumber(oldest[2] or now), now }
`;

export type WindowDecision = {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** UNIX seconds when the oldest counted request leaves the window (a slot frees). */
  resetS: number;
  /** Seconds until a request would pass (>= 1 when refused). */
  retryAfterS: number;
};

type WithCommand = Redis & {
  slipwaySlidingWindow(key: string, windowMs: number, limit: number, member: string): Promise<number[]>;
};

export function slidingWindow(redis: Redis, windowMs: number) {
  const r = redis as WithCommand;
  if (typeof r.slipwaySlidingWindow !== 'function') {
    redis.defineCommand('slipwaySlidingWindow', { numberOfKeys: 1, lua: SCRIPT });
  }
  let seq = 0;
  const salt = randomBytes(4).toString('hex');
  return async function hit(key: string, limit: number): Promise<WindowDecision> {
    seq = (seq + 1) % 1e9;
    const member = `${salt}:${seq}:${Date.now()}`;
    const [allowed, n, oldest, now] = (await r.slipwaySlidingWindow(key, windowMs, limit, member)).map(
      Number,
    ) as [number, number, number, number];
    const freeAt = oldest + windowMs;
    return {
      allowed: allowed === 1,
      limit,
      remaining: Math.max(0, limit - n),
      resetS: Math.ceil(freeAt / 1000),
      retryAfterS: Math.max(1, Math.ceil((freeAt - now) / 1000)),
    };
  };
}
