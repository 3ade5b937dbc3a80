import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../app.ts';
import { createTestApi, TEST_PASSWORD, type TestApi } from '../test-helpers.ts';
import { createLoginLimiter } from './login-limiter.ts';

const basic = (email: string, password: string) =>
  `Basic ${Buffer.from(`${email}:${password}`).toString('base64')}`;
const LIMITED = { error: 'Too Many Requests', message: 'Rate limit exceeded' };

let api: TestApi;
beforeAll(async () => {
  api = await createTestApi();
});
afterAll(async () => {
  await api?.close();
});

const login = (email: string, password: string) =>
  api.call('POST', '/api/auth/login', { body: { email, password } });

describe('login limiter (POST /api/auth/login and /admin/queues share it)', () => {
  it('backs off after 5 wrong passwords: even the right one gets 429 with Retry-After, on both doors', async () => {
    const u = await api.addUser('admin');
    for (let i = 0; i < 5; i++) expect((await login(u.email, 'wrong-password')).status).toBe(401);
    const locked = await login(u.email, TEST_PASSWORD);
    expect(locked.status).toBe(429);
    expect(locked.body).toEqual(LIMITED);
    // The back-off's first step is 30 s.
    expect(Number(locked.headers.get('Retry-After'))).toBeGreaterThan(20);
    const board = await api.request('GET', '/admin/queues', {
      headers: { Authorization: basic(u.email, TEST_PASSWORD) },
    });
    expect(board.status).toBe(429);
    expect(await board.json()).toEqual(LIMITED);
  });

  it('wrong Basic passwords on /admin/queues count for /api/auth/login too', async () => {
    const u = await api.addUser('admin');
    for (let i = 0; i < 5; i++) {
      const r = await api.request('GET', '/admin/queues', {
        headers: { Authorization: basic(u.email, 'nope-nope') },
      });
      expect(r.status).toBe(401);
    }
    expect((await login(u.email, TEST_PASSWORD)).status).toBe(429);
  });

  it('a success clears the streak', async () => {
    const u = await api.addUser('operator');
    for (let i = 0; i < 4; i++) expect((await login(u.email, 'wrong-password')).status).toBe(401);
    expect((await login(u.email, TEST_PASSWORD)).status).toBe(200);
    for (let i = 0; i < 4; i++) expect((await login(u.email, 'wrong-password')).status).toBe(401);
    expect((await login(u.email, TEST_PASSWORD)).status).toBe(200);
  });

  it('32 parallel guesses: no more than the per-account-and-address limit reach the password check', async () => {
    const u = await api.addUser('operator');
    const res = await Promise.all(Array.from({ length: 32 }, () => login(u.email, 'wrong-password')));
    const statuses = res.map((r) => r.status);
    expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(10);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(22);
    expect(statuses.every((s) => s === 401 || s === 429)).toBe(true);
  });

  it('per address: past its budget an address is refused for every account; other addresses are not', async () => {
    const limiter = createLoginLimiter({
      redis: api.producer.redis,
      prefix: `${api.prefix}:unit`,
      limits: { perAddress: 3, consecutive: 10, backoffAfter: 100 },
    });
    for (let i = 0; i < 3; i++) {
      expect(await limiter.begin('198.51.100.1', `user${i}@x.test`)).toEqual({ allowed: true });
      await limiter.failed('198.51.100.1', `user${i}@x.test`);
    }
    expect(await limiter.begin('198.51.100.1', 'someone-else@x.test')).toMatchObject({ allowed: false });
    expect(await limiter.begin('198.51.100.2', 'user0@x.test')).toEqual({ allowed: true });
  });

  it('per account and address: N failures in a row block that pair; a success gives its attempt back', async () => {
    const limiter = createLoginLimiter({
      redis: api.producer.redis,
      prefix: `${api.prefix}:unit2`,
      limits: { perAddress: 100, consecutive: 3, backoffAfter: 100 },
    });
    const a = '198.51.100.3';
    for (let i = 0; i < 3; i++) {
      expect((await limiter.begin(a, 'pair@x.test')).allowed).toBe(true);
      await limiter.failed(a, 'pair@x.test');
    }
    expect(await limiter.begin(a, 'pair@x.test')).toMatchObject({
      allowed: false,
      retryAfterS: expect.any(Number),
    });
    // The same account from elsewhere still gets its attempts (no back-off configured here).
    expect((await limiter.begin('198.51.100.4', 'pair@x.test')).allowed).toBe(true);
  });
});

describe('invalid tokens are limited per address', () => {
  it('past 60 refused tokens in a minute the address gets 429; a valid token still works', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 61; i++) {
      statuses.push((await api.call('GET', '/api/users/me', { token: `bad.${i}.token` })).status);
    }
    expect(statuses.slice(0, 60).every((s) => s === 401)).toBe(true);
    expect(statuses[60]).toBe(429);
    const ok = await api.call('GET', '/api/users/me', { token: api.alice.token });
    expect(ok.status).toBe(200);
  });
});

describe('TRUST_PROXY: the rightmost untrusted hop', () => {
  let server: Server;
  let base: string;
  let plain: Server;
  let plainBase: string;
  const listen = (app: ReturnType<typeof createApp>) =>
    new Promise<Server>((ok) => {
      const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => ok(s as Server));
    });
  beforeAll(async () => {
    const limits = { standard: 3, premium: 5, admin: 8 };
    server = await listen(
      createApp({
        ...api.deps,
        rateLimits: limits,
        config: { ...api.deps.config, TRUST_PROXY: ['loopback'] },
      }),
    );
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    plain = await listen(
      createApp({
        ...api.deps,
        rateLimits: limits,
        config: { ...api.deps.config, QUEUE_PREFIX: `${api.prefix}p`, TRUST_PROXY: false },
      }),
    );
    plainBase = `http://127.0.0.1:${(plain.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((ok) => server?.close(ok));
    await new Promise((ok) => plain?.close(ok));
  });

  const anonymous = (url: string, xff: string) =>
    fetch(`${url}/api/auth/refresh`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Forwarded-For': xff },
      body: JSON.stringify({ refresh_token: 'x'.repeat(40) }),
    });

  it('forged left-hand X-Forwarded-For entries do not buy a fresh budget behind a trusted proxy', async () => {
    // The proxy (loopback, trusted) appended the real client 203.0.113.50; the client forged the rest.
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await anonymous(base, `10.9.9.${i}, 203.0.113.50`)).status);
    expect(statuses).toEqual([401, 401, 401, 429]);
    // Another real client behind the same proxy has its own budget.
    expect((await anonymous(base, '10.9.9.1, 203.0.113.51')).status).toBe(401);
  });

  it('without trusted proxies X-Forwarded-For is ignored: the socket address counts', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await anonymous(plainBase, `203.0.113.${i}`)).status);
    expect(statuses).toEqual([401, 401, 401, 429]);
  });
});
