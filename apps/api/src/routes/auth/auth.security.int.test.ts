import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApi, type TestApi } from '../../test-helpers.ts';
import { signAccessToken } from '../../tokens.ts';

let api: TestApi;
beforeAll(async () => {
  api = await createTestApi();
});
afterAll(async () => {
  await api?.close();
});

const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
const UNAUTHORIZED = { error: 'Unauthorized', message: 'Authentication required' };

describe('token security', () => {
  it('rejects garbage, a tampered payload, a foreign key, alg none and an expired token', async () => {
    const [h, , s] = api.alice.token.split('.');
    const tampered = `${h}.${b64({ sub: api.admin.id, role: 'admin', iss: 'slipway', exp: 9e9 })}.${s}`;
    const none = `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ sub: api.admin.id, iss: 'slipway', exp: 9e9 })}.`;
    const foreign = await signAccessToken('x'.repeat(64), {
      id: api.admin.id,
      role: 'admin',
      tier: 'premium',
    });
    const expired = await new SignJWT({ role: 'operator' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(api.alice.id)
      .setIssuer('slipway')
      .setIssuedAt(Math.floor(Date.now() / 1000) - 7200)
      .setExpirationTime(Math.floor(Date.now() / 1000) - 3600)
      .sign(new TextEncoder().encode(api.jwtSecret));
    for (const [what, token] of Object.entries({
      garbage: 'abc.def.ghi',
      tampered,
      none,
      foreign,
      expired,
    })) {
      const r = await api.call('GET', '/api/users/me', { token });
      expect(r.status, what).toBe(401);
      expect(r.body).toEqual(UNAUTHORIZED);
    }
    const basic = await api.call('GET', '/api/users/me', { headers: { Authorization: 'Basic YTpi' } });
    expect(basic.status).toBe(401);
  });

  it("a deleted user's token stops working", async () => {
    const u = await api.addUser('operator');
    expect((await api.call('GET', '/api/users/me', { token: u.token })).status).toBe(200);
    await api.db.sql`delete from users where id = ${u.id}`;
    expect((await api.call('GET', '/api/users/me', { token: u.token })).status).toBe(401);
  });

  it('a 500 never leaks internals', async () => {
    const r = await api.call('POST', '/api/auth/refresh', {
      body: { refresh_token: 'x'.repeat(100) },
    });
    expect(r.status).toBe(401);
    // Force an unexpected failure (a table gone) and check that nothing of it reaches the client.
    await api.db.sql`alter table refresh_tokens rename to refresh_tokens_gone`;
    try {
      const boom = await api.call('POST', '/api/auth/refresh', { body: { refresh_token: 'y'.repeat(40) } });
      expect(boom.status).toBe(500);
      expect(boom.body).toEqual({ error: 'Internal Server Error', message: 'An unexpected error occurred' });
      expect(boom.headers.get('X-Frame-Options')).toBe('DENY');
    } finally {
      await api.db.sql`alter table refresh_tokens_gone rename to refresh_tokens`;
    }
  });
});
