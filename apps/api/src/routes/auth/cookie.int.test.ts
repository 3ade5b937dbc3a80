import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApi, TEST_PASSWORD, type TestApi } from '../../test-helpers.ts';

// The console's session: the refresh token lives in an HttpOnly, SameSite=Strict cookie scoped to
// /api/auth and never appears in a body the page's scripts could read.

let api: TestApi;
beforeAll(async () => {
  api = await createTestApi();
});
afterAll(async () => {
  await api?.close();
});

type Tokens = { access_token: string; refresh_token?: string; token_type: string; expires_in: number };

function cookieOf(res: { headers: Headers }): { value: string; attrs: string[] } {
  const raw = res.headers.get('set-cookie') ?? '';
  const [pair = '', ...attrs] = raw.split(';').map((s) => s.trim());
  const [name, value = ''] = pair.split('=');
  expect(name).toBe('slipway_refresh');
  return { value, attrs: attrs.map((a) => a.toLowerCase()) };
}

describe('refresh token cookie', () => {
  it('login with refresh_cookie sets an HttpOnly SameSite=Strict cookie on /api/auth and omits the token', async () => {
    const r = await api.call<Tokens>('POST', '/api/auth/login', {
      body: { email: api.alice.email, password: TEST_PASSWORD, refresh_cookie: true },
    });
    expect(r.status).toBe(200);
    expect(r.body.access_token).toEqual(expect.any(String));
    expect(r.body).not.toHaveProperty('refresh_token');
    const c = cookieOf(r);
    expect(c.value.length).toBeGreaterThan(20);
    expect(c.attrs).toEqual(expect.arrayContaining(['httponly', 'samesite=strict', 'path=/api/auth']));
    expect(c.attrs.some((a) => a.startsWith('max-age='))).toBe(true);
    // Plain http here: not Secure (a browser would drop a Secure cookie on http://localhost).
    expect(c.attrs).not.toContain('secure');
  });

  it('refresh with an empty body uses the cookie, rotates it, and the old cookie is then refused', async () => {
    const login = await api.call<Tokens>('POST', '/api/auth/login', {
      body: { email: api.alice.email, password: TEST_PASSWORD, refresh_cookie: true },
    });
    const first = cookieOf(login).value;
    const r = await api.call<Tokens>('POST', '/api/auth/refresh', {
      body: {},
      headers: { cookie: `slipway_refresh=${first}` },
    });
    expect(r.status).toBe(200);
    expect(r.body).not.toHaveProperty('refresh_token');
    const me = await api.call('GET', '/api/users/me', { token: r.body.access_token });
    expect(me.body).toMatchObject({ id: api.alice.id });
    const second = cookieOf(r);
    expect(second.value).not.toBe(first);
    expect(second.attrs).toEqual(expect.arrayContaining(['httponly', 'samesite=strict', 'path=/api/auth']));

    const reuse = await api.call('POST', '/api/auth/refresh', {
      body: {},
      headers: { cookie: `slipway_refresh=${first}` },
    });
    expect(reuse.status).toBe(401);
  });

  it('over https the cookie is Secure', async () => {
    const r = await api.app.request('https://slipway.example/api/auth/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: api.bob.email, password: TEST_PASSWORD, refresh_cookie: true }),
    });
    expect(r.status).toBe(200);
    expect(cookieOf(r).attrs).toContain('secure');
  });

  it('refresh with neither a body token nor a cookie is a 401; body tokens keep working without cookies', async () => {
    const none = await api.call('POST', '/api/auth/refresh', { body: {} });
    expect(none.status).toBe(401);
    expect(none.body).toMatchObject({ error: expect.any(String), message: expect.any(String) });

    const login = await api.call<Tokens>('POST', '/api/auth/login', {
      body: { email: api.alice.email, password: TEST_PASSWORD },
    });
    expect(login.headers.get('set-cookie')).toBeNull();
    const r = await api.call<Tokens>('POST', '/api/auth/refresh', {
      body: { refresh_token: login.body.refresh_token },
    });
    expect(r.status).toBe(200);
    expect(r.body.refresh_token).toEqual(expect.any(String));
    expect(r.headers.get('set-cookie')).toBeNull();
  });
});
