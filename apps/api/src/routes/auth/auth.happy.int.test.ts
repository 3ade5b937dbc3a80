import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApi, TEST_PASSWORD, type TestApi } from '../../test-helpers.ts';

let api: TestApi;
beforeAll(async () => {
  api = await createTestApi();
});
afterAll(async () => {
  await api?.close();
});

type Tokens = { access_token: string; refresh_token: string; token_type: string; expires_in: number };

describe('auth and users', () => {
  it('login returns a bearer pair; the access token works; /users/me says who', async () => {
    const r = await api.call<Tokens>('POST', '/api/auth/login', {
      body: { email: api.alice.email, password: TEST_PASSWORD },
    });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ token_type: 'Bearer', expires_in: 3600 });
    const [, payload] = r.body.access_token.split('.');
    const claims = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString()) as Record<string, unknown>;
    expect(claims).toMatchObject({ sub: api.alice.id, role: 'operator', tier: 'standard', iss: 'slipway' });
    expect((claims.exp as number) - (claims.iat as number)).toBe(3600);
    const me = await api.call('GET', '/api/users/me', { token: r.body.access_token });
    expect(me.status).toBe(200);
    expect(me.body).toEqual({
      id: api.alice.id,
      email: api.alice.email,
      role: 'operator',
      tier: 'standard',
      created_at: expect.any(String),
    });
  });

  it('refresh rotates: a new pair, and the old refresh token is then rejected', async () => {
    const login = await api.call<Tokens>('POST', '/api/auth/login', {
      body: { email: api.bob.email, password: TEST_PASSWORD },
    });
    const r1 = await api.call<Tokens>('POST', '/api/auth/refresh', {
      body: { refresh_token: login.body.refresh_token },
    });
    expect(r1.status).toBe(200);
    expect(r1.body.refresh_token).not.toBe(login.body.refresh_token);
    expect((await api.call('GET', '/api/users/me', { token: r1.body.access_token })).status).toBe(200);
    const reuse = await api.call('POST', '/api/auth/refresh', {
      body: { refresh_token: login.body.refresh_token },
    });
    expect(reuse.status).toBe(401);
    expect(reuse.body).toMatchObject({ error: 'Unauthorized' });
  });

  it('admins create users (201, no hash); others get 403; duplicates 409', async () => {
    const email = `new-${Date.now()}@test.local`;
    const r = await api.call('POST', '/api/users', {
      token: api.admin.token,
      body: { email, password: 'long-enough', role: 'viewer', tier: 'premium' },
    });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ email, role: 'viewer', tier: 'premium' });
    expect(JSON.stringify(r.body)).not.toMatch(/hash|scrypt|long-enough/);
    const dup = await api.call('POST', '/api/users', {
      token: api.admin.token,
      body: { email, password: 'long-enough', role: 'viewer' },
    });
    expect(dup.status).toBe(409);
    const short = await api.call('POST', '/api/users', {
      token: api.admin.token,
      body: { email: 'x@test.local', password: 'short', role: 'viewer' },
    });
    expect(short.status).toBe(422);
    expect(short.body).toMatchObject({ details: { field: 'password' } });
    const op = await api.call('POST', '/api/users', {
      token: api.alice.token,
      body: { email: 'y@test.local', password: 'long-enough', role: 'admin' },
    });
    expect(op.status).toBe(403);
  });

  it('admins list every user, oldest first, paginated and filtered; others get 403', async () => {
    type UserPage = {
      items: { id: string; email: string; role: string }[];
      total: number;
      page: number;
      per_page: number;
    };
    const all = await api.call<UserPage>('GET', '/api/users?per_page=100', { token: api.admin.token });
    expect(all.status).toBe(200);
    const emails = all.body.items.map((u) => u.email);
    for (const u of [api.admin, api.alice, api.bob]) expect(emails).toContain(u.email);
    expect(all.body.items[0]?.email).toBe(api.admin.email);
    expect(all.body.total).toBe(all.body.items.length);
    expect(all.headers.get('X-Total-Count')).toBe(String(all.body.total));
    expect(JSON.stringify(all.body)).not.toMatch(/hash|password/i);

    const page2 = await api.call<UserPage>('GET', '/api/users?per_page=1&page=2', { token: api.admin.token });
    expect(page2.body).toMatchObject({ page: 2, per_page: 1, total: all.body.total });
    expect(page2.body.items.map((u) => u.email)).toEqual([emails[1]]);
    expect(page2.headers.get('Link')).toContain('rel="next"');

    const ops = await api.call<UserPage>('GET', '/api/users?role=operator', { token: api.admin.token });
    expect(ops.body.items.length).toBeGreaterThanOrEqual(2);
    expect(ops.body.items.every((u) => u.role === 'operator')).toBe(true);
    const byEmail = await api.call<UserPage>(
      'GET',
      `/api/users?email=${encodeURIComponent(api.bob.email.slice(0, 8).toUpperCase())}`,
      { token: api.admin.token },
    );
    expect(byEmail.body.items.map((u) => u.email)).toContain(api.bob.email);
    const none = await api.call<UserPage>('GET', '/api/users?email=%25', { token: api.admin.token });
    expect(none.body).toMatchObject({ items: [], total: 0 });

    const bad = await api.call('GET', '/api/users?role=root', { token: api.admin.token });
    expect(bad.status).toBe(422);
    expect((await api.call('GET', '/api/users', { token: api.alice.token })).status).toBe(403);
  });

  it('login with a wrong password or unknown email is 401', async () => {
    const wrong = await api.call('POST', '/api/auth/login', {
      body: { email: api.alice.email, password: 'nope-nope' },
    });
    expect(wrong.status).toBe(401);
    const unknown = await api.call('POST', '/api/auth/login', {
      body: { email: 'ghost@x.y', password: 'nope-nope' },
    });
    expect(unknown.status).toBe(401);
    const missing = await api.call('POST', '/api/auth/login', { body: { email: api.alice.email } });
    expect(missing.status).toBe(422);
    expect(missing.body).toMatchObject({
      details: { field: 'password', issue: 'required field is missing' },
    });
  });
});
