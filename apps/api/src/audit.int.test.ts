import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { type CoreDeps, silentLogger } from '@slipway/core';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { AppEnv } from './context.ts';
import { securityEvents } from './middleware/security-events.ts';
import { createTestApi, TEST_PASSWORD, type TestApi, uniqueName } from './test-helpers.ts';

let api: TestApi;
beforeAll(async () => {
  api = await createTestApi({ rateLimits: { standard: 50, premium: 50, admin: 1000 } });
});
afterAll(async () => {
  await api?.close();
});

const basic = (email: string, password: string) =>
  `Basic ${Buffer.from(`${email}:${password}`).toString('base64')}`;

describe('audit rows', () => {
  it('a change writes its audit row in its own transaction, with the status, before the response', async () => {
    const r = await api.call<{ id: string }>('POST', '/api/container-images', {
      token: api.alice.token,
      body: { name: uniqueName('audited'), repository: 'docker.io/acme' },
    });
    expect(r.status).toBe(201);
    // No drain: the row is there when the response is.
    const [row] = await api.db.sql`select a.user_id, a.action, a.status_code, a.at = i.created_at as same_tx,
        a.at = o.created_at as with_operation
      from audit_log a
      join container_images i on i.id::text = a.resource_id
      join operations o on o.resource_id = i.id
      where a.resource_id = ${r.body.id}`;
    // now() is the transaction's start time: equal timestamps mean one transaction.
    expect(row).toEqual({
      user_id: api.alice.id,
      action: 'POST /api/container-images',
      status_code: 201,
      same_tx: true,
      with_operation: true,
    });
  });

  it('verbs without operations audit in their transaction too: creating a user, logging in', async () => {
    const email = `${uniqueName('audited')}@test.local`;
    const created = await api.call<{ id: string }>('POST', '/api/users', {
      token: api.admin.token,
      body: { email, password: TEST_PASSWORD, role: 'viewer' },
    });
    expect(created.status).toBe(201);
    const [user] = await api.db.sql`select a.user_id, a.status_code, a.at = u.created_at as same_tx
      from audit_log a join users u on u.id::text = a.resource_id where u.id = ${created.body.id}`;
    expect(user).toEqual({ user_id: api.admin.id, status_code: 201, same_tx: true });
    const login = await api.call('POST', '/api/auth/login', {
      body: { email, password: TEST_PASSWORD },
      headers: { 'X-Request-Id': 'audit-login-1' },
    });
    expect(login.status).toBe(200);
    const [signedIn] = await api.db.sql`select a.user_id, a.status_code,
        a.at = (select max(created_at) from refresh_token_families f where f.user_id = a.user_id) as same_tx
      from audit_log a where a.request_id = 'audit-login-1'`;
    expect(signedIn).toEqual({ user_id: created.body.id, status_code: 200, same_tx: true });
  });

  it('a refused change leaves a row with its status (no transaction to join), also before the response', async () => {
    const r = await api.call('POST', '/api/container-images', {
      token: api.bob.token,
      body: { repository: 'docker.io/acme' },
      headers: { 'X-Request-Id': 'audit-refused-1' },
    });
    expect(r.status).toBe(422);
    const rows = await api.db
      .sql`select user_id, status_code from audit_log where request_id = 'audit-refused-1'`;
    expect(rows).toEqual([{ user_id: api.bob.id, status_code: 422 }]);
  });

  it('queue board actions are audited with the admin who did them', async () => {
    const res = await api.app.request('/admin/queues/api/queues/images/pause', {
      method: 'PUT',
      headers: { Authorization: basic(api.admin.email, TEST_PASSWORD) },
    });
    expect(res.status).toBe(200);
    expect(await api.producer.queue('images').isPaused()).toBe(true);
    await api.producer.queue('images').resume();
    const rows = await api.db
      .sql`select user_id, action, status_code from audit_log where path like '/admin/queues/%'`;
    expect(rows).toEqual([
      { user_id: api.admin.id, action: 'PUT /admin/queues/api/queues/images/pause', status_code: 200 },
    ]);
  });

  it('GET /api/audit: admins only, paginated, filtered by actor, action, resource and time', async () => {
    const made: string[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await api.call<{ id: string }>('POST', '/api/container-images', {
        token: api.alice.token,
        body: { name: uniqueName('page'), repository: 'docker.io/acme' },
      });
      made.push(r.body.id);
    }
    expect((await api.call('GET', '/api/audit', { token: api.alice.token })).status).toBe(403);

    const byAlice = await api.call<{ items: { user_id: string; action: string }[]; total: number }>(
      'GET',
      `/api/audit?actor=${api.alice.id}&action=${encodeURIComponent('POST /api/container-images')}&per_page=2`,
      { token: api.admin.token },
    );
    expect(byAlice.status).toBe(200);
    expect(byAlice.body.total).toBeGreaterThanOrEqual(4);
    expect(byAlice.body.items).toHaveLength(2);
    expect(byAlice.body.items.every((e) => e.user_id === api.alice.id)).toBe(true);
    expect(byAlice.headers.get('X-Total-Count')).toBe(String(byAlice.body.total));

    const one = await api.call<{ items: { resource_id: string }[]; total: number }>(
      'GET',
      `/api/audit?resource_id=${made[1]}`,
      { token: api.admin.token },
    );
    expect(one.body.total).toBe(1);
    expect(one.body.items[0]?.resource_id).toBe(made[1]);

    const prefix = await api.call<{ items: { action: string }[] }>(
      'GET',
      `/api/audit?action=${encodeURIComponent('PUT *')}`,
      { token: api.admin.token },
    );
    expect(prefix.body.items.length).toBeGreaterThan(0);
    expect(prefix.body.items.every((e) => e.action.startsWith('PUT '))).toBe(true);

    const future = new Date(Date.now() + 3600_000).toISOString();
    const none = await api.call<{ total: number }>('GET', `/api/audit?from=${encodeURIComponent(future)}`, {
      token: api.admin.token,
    });
    expect(none.body.total).toBe(0);
    const past = await api.call<{ total: number }>('GET', `/api/audit?to=${encodeURIComponent(future)}`, {
      token: api.admin.token,
    });
    expect(past.body.total).toBeGreaterThanOrEqual(4);

    const bad = await api.call('GET', '/api/audit?actor=not-a-uuid', { token: api.admin.token });
    expect(bad.status).toBe(422);
  });
});

describe('security events', () => {
  it('401, 403 and 429 are recorded, one row per source, kind and route a minute with a count', async () => {
    for (let i = 0; i < 3; i++) await api.call('GET', '/api/users/me', { token: `nope.${i}.nope` });
    await api.call('POST', '/api/container-images', {
      token: api.viewer.token,
      body: { name: uniqueName('v'), repository: 'docker.io/acme' },
    });
    const u = await api.addUser('operator');
    for (let i = 0; i < 51; i++) await api.call('GET', '/api/deployments', { token: u.token });
    await api.app.drain();
    const rows = await api.db.sql`select kind, user_id, path, count from security_events order by kind`;
    expect(rows).toEqual(
      expect.arrayContaining([
        { kind: 'unauthorized', user_id: null, path: '/api/users/me', count: 3 },
        { kind: 'forbidden', user_id: api.viewer.id, path: '/api/container-images', count: 1 },
        { kind: 'rate_limited', user_id: u.id, path: '/api/deployments', count: 1 },
      ]),
    );
  });

  it('bounded: past its per-minute budget a process only counts what it skipped', async () => {
    const pending: Promise<unknown>[] = [];
    const core: CoreDeps = api.core;
    const app = new Hono<AppEnv>();
    app.use(async (c, next) => {
      c.set('route', c.req.path);
      await next();
    });
    app.use(
      securityEvents({
        core,
        log: silentLogger,
        track: (p) => pending.push(p),
        trustProxy: false,
        maxPerMinute: 2,
      }),
    );
    app.get('/flood/:n', (c) => c.json({ error: 'Unauthorized', message: 'x' }, 401));
    await api.db.sql`delete from security_events`;
    for (let i = 0; i < 10; i++) await app.request(`/flood/${i}`);
    await vi.waitFor(
      async () => {
        await Promise.all(pending);
        const rows = (await api.db.sql`select kind, count from security_events`) as unknown as {
          kind: string;
          count: number;
        }[];
        const sum = (kind: string) => rows.filter((r) => r.kind === kind).reduce((n, r) => n + r.count, 0);
        // Two rows a minute (a run crossing a minute boundary may get two more), the rest only counted.
        const written = rows.filter((r) => r.kind === 'unauthorized');
        expect(written.length).toBeGreaterThanOrEqual(2);
        expect(written.length).toBeLessThanOrEqual(4);
        expect(sum('unauthorized') + sum('security_events_suppressed')).toBe(10);
      },
      { timeout: 15_000, interval: 100 },
    );
  });
});

describe('refresh token reuse', () => {
  it('is a security event naming the client address', async () => {
    const server = await new Promise<Server>((ok) => {
      const s = serve({ fetch: api.app.fetch, port: 0, hostname: '127.0.0.1' }, () => ok(s as Server));
    });
    try {
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const post = (path: string, body: unknown) =>
        fetch(`${base}${path}`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify(body),
        });
      const login = (await (
        await post('/api/auth/login', { email: api.bob.email, password: TEST_PASSWORD })
      ).json()) as {
        refresh_token: string;
      };
      expect((await post('/api/auth/refresh', { refresh_token: login.refresh_token })).status).toBe(200);
      expect((await post('/api/auth/refresh', { refresh_token: login.refresh_token })).status).toBe(401);
      const rows = await api.db
        .sql`select user_id, address from security_events where kind = 'refresh_token_reuse'`;
      expect(rows).toEqual([{ user_id: api.bob.id, address: '127.0.0.1' }]);
    } finally {
      server.closeAllConnections();
      await new Promise((ok) => server.close(ok));
    }
  });
});

describe('POST /api/auth/logout', () => {
  it('revokes the refresh token family; only the owner can', async () => {
    const login = await api.call<{ refresh_token: string }>('POST', '/api/auth/login', {
      body: { email: api.alice.email, password: TEST_PASSWORD },
    });
    const rotated = await api.call<{ refresh_token: string }>('POST', '/api/auth/refresh', {
      body: { refresh_token: login.body.refresh_token },
    });
    const foreign = await api.call('POST', '/api/auth/logout', {
      token: api.bob.token,
      body: { refresh_token: rotated.body.refresh_token },
    });
    expect(foreign.status).toBe(401);
    const out = await api.request('POST', '/api/auth/logout', {
      token: api.alice.token,
      body: { refresh_token: rotated.body.refresh_token },
    });
    expect(out.status).toBe(204);
    const after = await api.call('POST', '/api/auth/refresh', {
      body: { refresh_token: rotated.body.refresh_token },
    });
    expect(after.status).toBe(401);
    const anonymous = await api.call('POST', '/api/auth/logout', { body: { refresh_token: 'x'.repeat(40) } });
    expect(anonymous.status).toBe(401);
  });
});
