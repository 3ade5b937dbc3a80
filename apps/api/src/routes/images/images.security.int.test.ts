import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApi, type TestApi, uniqueName } from '../../test-helpers.ts';

let api: TestApi;
let imageId: string;
beforeAll(async () => {
  api = await createTestApi();
  const r = await api.call('POST', '/api/container-images', {
    token: api.alice.token,
    body: { name: uniqueName('sec'), repository: 'docker.io/acme' },
  });
  imageId = r.body.id as string;
});
afterAll(async () => {
  await api?.close();
});

describe('container images: security', () => {
  it("another user's image is a 404; an admin sees it", async () => {
    for (const m of ['GET', 'PUT', 'DELETE'] as const) {
      const r = await api.call(m, `/api/container-images/${imageId}`, {
        token: api.bob.token,
        body: m === 'PUT' ? { description: 'mine now' } : undefined,
      });
      expect(r.status, m).toBe(404);
    }
    expect(
      (await api.call('GET', `/api/container-images/${imageId}/logs`, { token: api.bob.token })).status,
    ).toBe(404);
    expect(
      (await api.call('GET', `/api/container-images/${imageId}`, { token: api.admin.token })).status,
    ).toBe(200);
  });

  it('viewer writes are 403', async () => {
    const r = await api.call('DELETE', `/api/container-images/${imageId}`, { token: api.viewer.token });
    expect(r.status).toBe(403);
  });

  it('output is JSON-encoded data, never markup interpretation', async () => {
    const r = await api.call('POST', '/api/container-images', {
      token: api.alice.token,
      body: {
        name: uniqueName('xss'),
        repository: 'docker.io/acme',
        description: '<script>alert(1)</script>',
      },
    });
    expect(r.status).toBe(201);
    expect(r.headers.get('Content-Type')).toContain('application/json');
    expect(r.headers.get('X-Content-Type-Options')).toBe('nosniff');
    expect(r.body.description).toBe('<script>alert(1)</script>');
  });
});
