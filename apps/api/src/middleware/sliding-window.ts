import { randomBytes } from 'node:crypto';
import { TurnBatcher } from '@slipway/core';
import type { Redis } from 'ioredis';

/**
 * A sliding-log limiter in Redis: one sorted set per caller holding the time of every request it
 * let through in the last window. A request passes only while fewer than `limit` are logged, so no
 * window-long span ever passes more than `limit` — wherever the span starts. Fixed windows (and
 * rate-limiter-flexible's, which start at the first request) let 2x the limit through around a
 * boundary; a token bucket of the same capacity and rate lets up to 2x through in one window too.
 * The script reads Redis' own clock, so API processes with skewed clocks share one log.
 *
 * One call decides any number of requests (KEYS[i], with limit ARGV[2i] and log member
 * ARGV[2i+1]), one after the other, exactly as separate calls would: the same key twice counts
 * twice. Replies: allowed, count, oldest logged time for each, then Redis' time.
 */
const SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local window = tonumber(ARGV[1])
local out = {}
for i = 1, #KEYS do
  local key = KEYS[i]
  local limit = tonumber(ARGV[2 * i])
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
  local n = redis.call('ZCARD', key)
  local allowed = 0
  if n < limit then
    redis.call('ZADD', key, now, ARGV[2 * i + 1])
    n = n + 1
    allowed = 1
  end
  redis.call('PEXPIRE', key, window)
  local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
  out[3 * i - 2] = allowed
  out[3 * i - 1] = n
  out[3 * i] = tonumber(oldest[2] or now)
end
out[3 * #KEYS + 1] = now
return out
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
  slipwaySlidingWindows(...args: (string | number)[]): Promise<number[]>;
};

/** At most this many checks per script call (a burst beyond it goes out in several). */
export const MAX_BATCH = 128;

export type SlidingWindowOptions = {
  /**
   * Gather the checks asked for in one turn of the event loop into one script call (default;
   * core's TurnBatcher). Each request still gets its own exact decision, in the order asked; what
   * is shared is the round trip: one command, one reply, one span (linking every request's)
   * instead of one each. A lone check goes out alone, in its request's context. `false`: one call
   * per check.
   */
  batch?: boolean;
};

type Check = { key: string; limit: number; member: string };

/**
 * `hit(key, limit)` logs one request against `key` if fewer than `limit` are logged in the last
 * `windowMs`, and says whether it passed. On a Redis Cluster every key must hash to one slot
 * (the API's keys start with QUEUE_PREFIX, which carries a hash tag there).
 */
export function slidingWindow(redis: Redis, windowMs: number, opts: SlidingWindowOptions = {}) {
  const r = redis as WithCommand;
  if (typeof r.slipwaySlidingWindows !== 'function') {
    redis.defineCommand('slipwaySlidingWindows', { lua: SCRIPT });
  }
  let seq = 0;
  const salt = randomBytes(4).toString('hex');

  const decide = (reply: number[], i: number, limit: number, now: number): WindowDecision => {
    const freeAt = Number(reply[3 * i + 2]) + windowMs;
    return {
      allowed: Number(reply[3 * i]) === 1,
      limit,
      remaining: Math.max(0, limit - Number(reply[3 * i + 1])),
      resetS: Math.ceil(freeAt / 1000),
      retryAfterS: Math.max(1, Math.ceil((freeAt - now) / 1000)),
    };
  };
  const one = async (c: Check): Promise<WindowDecision> => {
    const reply = await r.slipwaySlidingWindows(1, c.key, windowMs, c.limit, c.member);
    return decide(reply, 0, c.limit, Number(reply[3]));
  };
  // A batch that fails as a whole is run again check by check (TurnBatcher): a script stopped
  // half-way (a key of the wrong type) may have logged the checks before it, which then count twice
  // in this window: refusing early, never passing more than the limit.
  const checks = new TurnBatcher<Redis, Check, WindowDecision>({
    name: 'rate limit check',
    spans: 'shared',
    max: MAX_BATCH,
    one: (_redis, c) => one(c),
    many: async (_redis, cs) => {
      const args: (string | number)[] = [cs.length];
      for (const c of cs) args.push(c.key);
      args.push(windowMs);
      for (const c of cs) args.push(c.limit, c.member);
      const reply = await r.slipwaySlidingWindows(...args);
      const now = Number(reply[3 * cs.length]);
      return cs.map((c, i) => decide(reply, i, c.limit, now));
    },
  });
  const batching = opts.batch ?? true;

  return function hit(key: string, limit: number): Promise<WindowDecision> {
    seq = (seq + 1) % 1e9;
    const check = { key, limit, member: `${salt}:${seq}:${Date.now()}` };
    return batching ? checks.submit(redis, check) : one(check);
  };
}
