import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
    // Windows are fixed minutes: a run that straddles a boundary starts over with a fresh user
    // (a run takes milliseconds, so the second attempt always fits in one window).
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
      expect(reset % 60).toBe(0);
      expect(reset).toBeGreaterThan(Math.floor(Date.now() / 1000) - 1);
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
});
