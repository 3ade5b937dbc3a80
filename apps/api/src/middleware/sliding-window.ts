import { randomBytes } from 'node:crypto';
import { activeContext, runForBatch } from '@slipway/telemetry';
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

/** At most this many requests per script call (a burst beyond it goes out in several). */
export const MAX_BATCH = 128;

export type SlidingWindowOptions = {
  /**
   * Gather the checks asked for in one turn of the event loop into one script call (default). Each
   * request still gets its own exact decision, in the order asked; what is shared is the round
   * trip: one command, one reply, one span instead of one each. `false`: one call per check.
   */
  batch?: boolean;
};

type Pending = {
  limit: number;
  ok: (d: WindowDecision) => void;
  fail: (e: unknown) => void;
};

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
  const batching = opts.batch ?? true;
  let seq = 0;
  const salt = randomBytes(4).toString('hex');
  const member = () => {
    seq = (seq + 1) % 1e9;
    return `${salt}:${seq}:${Date.now()}`;
  };

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

  if (!batching) {
    return async function hit(key: string, limit: number): Promise<WindowDecision> {
      const reply = await r.slipwaySlidingWindows(1, key, windowMs, limit, member());
      return decide(reply, 0, limit, Number(reply[3]));
    };
  }

  // The checks asked for since the last flush: their script arguments and their callers.
  let keys: string[] = [];
  let rest: (string | number)[] = [];
  let waiting: Pending[] = [];
  let callers: ReturnType<typeof activeContext>[] = [];
  let scheduled = false;

  const send = (
    keys: string[],
    rest: (string | number)[],
    waiting: Pending[],
    callers: ReturnType<typeof activeContext>[],
  ) => {
    runForBatch('rate limit check', callers, { 'slipway.rate_limit.checks': keys.length }, () =>
      r.slipwaySlidingWindows(keys.length, ...keys, windowMs, ...rest),
    ).then(
      (reply) => {
        const now = Number(reply[3 * waiting.length]);
        for (let i = 0; i < waiting.length; i++) {
          const w = waiting[i] as Pending;
          w.ok(decide(reply, i, w.limit, now));
        }
      },
      (e) => {
        for (const w of waiting) w.fail(e);
      },
    );
  };

  const flush = () => {
    scheduled = false;
    const k = keys;
    const a = rest;
    const w = waiting;
    const c = callers;
    keys = [];
    rest = [];
    waiting = [];
    callers = [];
    if (k.length <= MAX_BATCH) return send(k, a, w, c);
    for (let from = 0; from < k.length; from += MAX_BATCH) {
      const to = Math.min(k.length, from + MAX_BATCH);
      send(k.slice(from, to), a.slice(2 * from, 2 * to), w.slice(from, to), c.slice(from, to));
    }
  };

  return function hit(key: string, limit: number): Promise<WindowDecision> {
    return new Promise<WindowDecision>((ok, fail) => {
      keys.push(key);
      rest.push(limit, member());
      waiting.push({ limit, ok, fail });
      callers.push(activeContext());
      if (!scheduled) {
        scheduled = true;
        // After the I/O callbacks of this turn: requests read together are checked together.
        setImmediate(flush);
      }
    });
  };
}
