import { randomUUID } from 'node:crypto';
import { testRedisUrl } from '@slipway/testing';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_BATCH, slidingWindow } from './sliding-window.ts';

// The limiter against the real Redis: checks asked for in one event-loop turn go out as one script
// call and each still gets the decision it would have got alone.

let redis: Redis;
let scripts = 0;
const prefix = `sliding-test-${randomUUID()}`;
const key = (name: string) => `${prefix}:${name}`;

beforeAll(() => {
  redis = new Redis(testRedisUrl(), { enableOfflineQueue: false });
  // Counts the script calls that go out on this connection.
  const send = redis.sendCommand.bind(redis);
  redis.sendCommand = (command, ...rest) => {
    if (/^eval/i.test(command.name)) scripts++;
    return send(command, ...rest);
  };
  return new Promise<void>((ok) => redis.once('ready', () => ok()));
});
afterAll(async () => {
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length) await redis.del(...keys);
  redis.disconnect();
});

/** Script calls made while `fn` runs (EVALSHA; an EVAL too the first time Redis lacks the script). */
async function counting<T>(fn: () => Promise<T>): Promise<{ result: T; calls: number }> {
  await redis.script('LOAD', 'return 1'); // the connection is up; counts start from here
  const before = scripts;
  const result = await fn();
  return { result, calls: scripts - before };
}

describe('sliding window', () => {
  it('checks asked for in one turn: one call, an exact decision each, in the order asked', async () => {
    const hit = slidingWindow(redis, 60_000);
    await hit(key('warm'), 1); // the script is loaded: one EVALSHA per call from here on
    const { result, calls } = await counting(() =>
      Promise.all(Array.from({ length: 24 }, () => hit(key('one'), 5))),
    );
    expect(calls).toBe(1);
    expect(result.map((d) => d.allowed)).toEqual([...Array(5).fill(true), ...Array(19).fill(false)]);
    expect(result.map((d) => d.remaining)).toEqual([4, 3, 2, 1, 0, ...Array(19).fill(0)]);
    for (const d of result.slice(5)) expect(d.retryAfterS).toBeGreaterThanOrEqual(1);
    expect(new Set(result.map((d) => d.resetS)).size).toBe(1);
    expect(await redis.zcard(key('one'))).toBe(5);
  });

  it('different callers and limits in one call keep their own counts', async () => {
    const hit = slidingWindow(redis, 60_000);
    await hit(key('warm'), 1);
    const { result, calls } = await counting(() =>
      Promise.all([hit(key('x'), 2), hit(key('y'), 1), hit(key('x'), 2), hit(key('y'), 1), hit(key('x'), 2)]),
    );
    expect(calls).toBe(1);
    expect(result.map((d) => [d.allowed, d.limit, d.remaining])).toEqual([
      [true, 2, 1],
      [true, 1, 0],
      [true, 2, 0],
      [false, 1, 0],
      [false, 2, 0],
    ]);
  });

  it(`more than ${MAX_BATCH} at once go out in several calls, still exact`, async () => {
    const hit = slidingWindow(redis, 60_000);
    await hit(key('warm'), 1);
    const n = 2 * MAX_BATCH + 44;
    const { result, calls } = await counting(() =>
      Promise.all(Array.from({ length: n }, () => hit(key('many'), 1000))),
    );
    expect(calls).toBe(3);
    expect(result.map((d) => d.remaining)).toEqual(Array.from({ length: n }, (_, i) => 999 - i));
  });

  it('checks in separate turns are not held for one another; batch: false is one call per check', async () => {
    for (const batch of [true, false]) {
      const hit = slidingWindow(redis, 60_000, { batch });
      await hit(key('warm'), 1);
      const { result, calls } = await counting(async () => {
        const out = [];
        for (let i = 0; i < 4; i++) out.push(await hit(key(`apart-${batch}`), 3));
        return out;
      });
      expect(calls).toBe(4);
      expect(result.map((d) => d.allowed)).toEqual([true, true, true, false]);
    }
    const plain = slidingWindow(redis, 60_000, { batch: false });
    const { result, calls } = await counting(() =>
      Promise.all(Array.from({ length: 6 }, () => plain(key('plain'), 4))),
    );
    expect(calls).toBe(6);
    expect(result.filter((d) => d.allowed)).toHaveLength(4);
  });

  it('a refused call fails every check it carried', async () => {
    const down = new Redis(testRedisUrl(), { enableOfflineQueue: false, lazyConnect: true });
    down.on('error', () => {});
    const hit = slidingWindow(down, 60_000);
    const all = await Promise.allSettled([hit(key('down'), 5), hit(key('down'), 5), hit(key('other'), 5)]);
    expect(all.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected']);
    down.disconnect();
  });
});
