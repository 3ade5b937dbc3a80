import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApi, TEST_PASSWORD, type TestApi } from '../../test-helpers.ts';

let api: TestApi;
beforeAll(async () => {
  api = await createTestApi();
});
afterAll(async () => {
  await api?.close();
});

describe('logout', () => {
  // Found by the schema fuzz: viewers are read-only, but signing out is not a write to anything.
  it('a viewer can sign out, and its refresh token stops working', async () => {
    const login = await api.call<{ access_token: string; refresh_token: string }>('POST', '/api/auth/login', {
      body: { email: api.viewer.email, password: TEST_PASSWORD },
    });
    expect(login.status).toBe(200);
    const out = await api.request('POST', '/api/auth/logout', {
      token: login.body.access_token,
      body: { refresh_token: login.body.refresh_token },
    });
    expect(out.status).toBe(204);
    const again = await api.call('POST', '/api/auth/refresh', {
      body: { refresh_token: login.body.refresh_token },
    });
    expect(again.status).toBe(401);
    // Everything else stays closed to a viewer.
    expect(
      (await api.call('POST', '/api/minikube-clusters', { token: api.viewer.token, body: {} })).status,
    ).toBe(403);
  });
});
