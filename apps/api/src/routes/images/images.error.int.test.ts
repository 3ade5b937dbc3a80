import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApi, type TestApi, uniqueName } from '../../test-helpers.ts';

let api: TestApi;
beforeAll(async () => {
  api = await createTestApi();
});
afterAll(async () => {
  await api?.close();
});

describe('container images: errors', () => {
  it('409 for a duplicate name+tag, naming the existing image', async () => {
    const body = { name: uniqueName('dup'), tag: 'latest', repository: 'docker.io/acme' };
    const a = await api.call('POST', '/api/container-images', { token: api.alice.token, body });
    const b = await api.call('POST', '/api/container-images', { token: api.alice.token, body });
    expect(b.status).toBe(409);
    expect(b.body).toEqual({ error: 'Conflict', message: 'Resource already exists', id: a.body.id });
  });

  it('400 malformed JSON, 422 first bad field', async () => {
    const bad = await api.call('POST', '/api/container-images', { token: api.alice.token, body: 'not json' });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ error: 'Invalid request', message: 'Invalid request body' });
    const arr = await api.call('POST', '/api/container-images', { token: api.alice.token, body: [1, 2] });
    expect(arr.status).toBe(400);
    const missing = await api.call('POST', '/api/container-images', {
      token: api.alice.token,
      body: { tag: 'x', repository: 'docker.io/acme' },
    });
    expect(missing.status).toBe(422);
    expect(missing.body).toMatchObject({ details: { field: 'name', issue: 'required field is missing' } });
    const repo = await api.call('POST', '/api/container-images', {
      token: api.alice.token,
      body: { name: 'ok', repository: 42 },
    });
    expect(repo.body).toMatchObject({ details: { field: 'repository' } });
    const nul = await api.call('POST', '/api/container-images', {
      token: api.alice.token,
      body: { name: 'ok', repository: 'docker.io/acme', description: 'a\u0000b' },
    });
    expect(nul.status).toBe(422);
    expect(nul.body).toMatchObject({ details: { field: 'description' } });
    const cluster = await api.call('POST', '/api/container-images', {
      token: api.alice.token,
      body: {
        name: 'ok',
        repository: 'docker.io/acme',
        load_into_cluster_id: '00000000-0000-4000-8000-000000000001',
      },
    });
    expect(cluster.status).toBe(422);
    expect(cluster.body).toMatchObject({ details: { field: 'load_into_cluster_id' } });
  });

  it('404 for unknown ids on every verb', async () => {
    const id = '00000000-0000-4000-8000-000000000002';
    for (const [m, p] of [
      ['GET', ''],
      ['PUT', ''],
      ['DELETE', ''],
      ['GET', '/logs'],
    ] as const) {
      const r = await api.call(m, `/api/container-images/${id}${p}`, {
        token: api.alice.token,
        body: m === 'PUT' ? { description: 'x' } : undefined,
      });
      expect(r.status, `${m} ${p}`).toBe(404);
      expect(r.body).toMatchObject({ error: 'Not Found', id });
    }
  });

  it('413 for a body over 1 MiB', async () => {
    const r = await api.call('POST', '/api/container-images', {
      token: api.alice.token,
      body: { name: 'big', repository: 'docker.io/acme', description: 'x'.repeat(1_100_000) },
    });
    expect(r.status).toBe(413);
    expect(r.body).toMatchObject({ error: 'Payload Too Large' });
  });
});
