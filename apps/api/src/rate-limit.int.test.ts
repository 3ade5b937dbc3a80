import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from './app.ts';
import { createTestApi, type TestApi } from './test-helpers.ts';

let api: TestApi;
beforeAll(async () => {
  api = await createTestApi({ rateLimits: { standard: 3, premium: 5, admin: 8 } });
});
afterAll(async () => {
  await api?.close();
});

describe('rate limits', () => {
  it('counts per user in Redis, sends X-RateLimit-* and answers 429 with Retry-After', async () => {
    // Reset is when the oldest counted request leaves the window (the same for all four while the
    // first is the oldest; a run crossing a second boundary starts over with a fresh user).
    for (let attempt = 0; attempt < 3; attempt++) {
      const u = await api.addUser('operator');
      const res = [];
      for (let i = 0; i < 4; i++) res.push(await api.call('GET', '/api/deployments', { token: u.token }));
      const resets = new Set(res.map((r) => r.headers.get('X-RateLimit-Reset')));
      if (resets.size !== 1) continue;
      expect(res.map((r) => r.status)).toEqual([200, 200, 200, 429]);
      expect(res.map((r) => r.headers.get('X-RateLimit-Remaining'))).toEqual(['2', '1', '0', '0']);
      expect(res.every((r) => r.headers.get('X-RateLimit-Limit') === '3')).toBe(true);
      const reset = Number([...resets][0]);
      // Sliding window: not a minute boundary any more, but at most 60 s out.
      expect(reset).toBeGreaterThan(Math.floor(Date.now() / 1000) - 1);
      expect(reset).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000) + 61);
      const over = res[3];
      expect(over?.body).toEqual({ error: 'Too Many Requests', message: 'Rate limit exceeded' });
      expect(Number(over?.headers.get('Retry-After'))).toBeGreaterThan(0);
      const keys = await api.producer.redis.keys(`${api.prefix}:ratelimit:user:${u.id}:*`);
      expect(keys.length).toBe(1);
      return;
    }
    throw new Error('no attempt fitted in one rate-limit window');
  });

  it('limits by tier: premium and admin budgets', async () => {
    const p = await api.addUser('operator', 'premium');
    const r = await api.call('GET', '/api/deployments', { token: p.token });
    expect(r.headers.get('X-RateLimit-Limit')).toBe('5');
    const a = await api.call('GET', '/api/deployments', { token: api.admin.token });
    expect(a.headers.get('X-RateLimit-Limit')).toBe('8');
  });

  it('no 60 s span passes more than the limit, across any boundary', async () => {
    const u = await api.addUser('operator');
    const key = `${api.prefix}:ratelimit:user:${u.id}:sliding`;
    const redis = api.producer.redis;
    const [sec] = await redis.time();
    const nowMs = Number(sec) * 1000;
    // Three requests passed 59 s ago (in what a fixed window would call the previous minute):
    // the window still holds them, so the next one is refused ...
    await redis.zadd(key, nowMs - 59_000, 'a', nowMs - 59_000, 'b', nowMs - 59_000, 'c');
    const refused = await api.call('GET', '/api/deployments', { token: u.token });
    expect(refused.status).toBe(429);
    expect(refused.headers.get('X-RateLimit-Remaining')).toBe('0');
    expect(Number(refused.headers.get('Retry-After'))).toBeLessThanOrEqual(2);
    // ... and once they are more than 60 s old they no longer count.
    await redis.del(key);
    await redis.zadd(key, nowMs - 61_000, 'a', nowMs - 61_000, 'b', nowMs - 30_000, 'c');
    const passed = await api.call('GET', '/api/deployments', { token: u.token });
    expect(passed.status).toBe(200);
    expect(passed.headers.get('X-RateLimit-Remaining')).toBe('1');
    expect(passed.headers.get('X-RateLimit-Reset')).toBe(String(Math.ceil((nowMs + 30_000) / 1000)));
  });

  it('two API processes share one log: together they pass exactly the limit', async () => {
    const u = await api.addUser('operator');
    const second = createApp(api.deps);
    const call = (i: number) =>
      (i % 2 ? second : api.app).request('/api/deployments', {
        headers: { Authorization: `Bearer ${u.token}` },
      });
    const res = await Promise.all(Array.from({ length: 10 }, (_, i) => call(i)));
    expect(res.filter((r) => r.status === 200).length).toBe(3);
    expect(res.filter((r) => r.status === 429).length).toBe(7);
  });

  it("stays exact on main.ts's auto-pipelining connection: concurrent checks share calls, one decision each", async () => {
    // What main.ts does: the rate-limit script on a duplicate connection with auto-pipelining, next
    // to another process on a plain connection; 24 requests at once go out in a few calls.
    const pipelined = api.producer.redis.duplicate({ enableAutoPipelining: true });
    // Counts what goes out on it (the app must use the connection it is given for the script).
    let scripts = 0;
    const send = pipelined.sendCommand.bind(pipelined);
    pipelined.sendCommand = (command, ...rest) => {
      if (/^eval/i.test(command.name)) scripts++;
      return send(command, ...rest);
    };
    try {
      const u = await api.addUser('operator', 'premium');
      const first = createApp({ ...api.deps, rateLimitRedis: pipelined });
      const second = createApp(api.deps);
      const call = (i: number) =>
        (i % 3 ? first : second).request('/api/deployments', {
          headers: { Authorization: `Bearer ${u.token}` },
        });
      const res = await Promise.all(Array.from({ length: 24 }, (_, i) => call(i)));
      expect(res.filter((r) => r.status === 200).length).toBe(5);
      expect(res.filter((r) => r.status === 429).length).toBe(19);
      // Every pass saw its own count: remaining 4, 3, 2, 1, 0 exactly once each.
      const remaining = res
        .filter((r) => r.status === 200)
        .map((r) => r.headers.get('X-RateLimit-Remaining'));
      expect(remaining.sort()).toEqual(['0', '1', '2', '3', '4']);
      // Its 16 checks went out on it, gathered by event-loop turn (sliding-window.int.test.ts pins
      // the batching down): at least one call, never more than one per check.
      expect(scripts).toBeGreaterThanOrEqual(1);
      expect(scripts).toBeLessThanOrEqual(16);
      expect(pipelined.autoPipelineQueueSize).toBe(0);
      // The refusals' security events are written in the background: let them land first.
      await Promise.all([first.drain(), second.drain()]);
    } finally {
      pipelined.disconnect();
    }
  });
});
