import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApi, type TestApi, uniqueName } from '../../test-helpers.ts';

let api: TestApi;
beforeAll(async () => {
  api = await createTestApi();
});
afterAll(async () => {
  await api?.close();
});

const spec = (name: string) => ({
  name,
  cpus: 2,
  memory: 4096,
  disk_size: 20480,
  kubernetes_version: 'v1.28.0',
});

describe('minikube clusters: errors', () => {
  it('400 on malformed JSON', async () => {
    const r = await api.call('POST', '/api/minikube-clusters', {
      token: api.alice.token,
      body: '{"name": ',
      headers: { 'Content-Type': 'application/json' },
    });
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ error: 'Invalid request', message: 'Invalid request body' });
  });

  it('422 naming the first bad field', async () => {
    const missing = await api.call('POST', '/api/minikube-clusters', {
      token: api.alice.token,
      body: { cpus: 2 },
    });
    expect(missing.status).toBe(422);
    expect(missing.body).toMatchObject({ details: { field: 'name', issue: 'required field is missing' } });
    const wrongType = await api.call('POST', '/api/minikube-clusters', {
      token: api.alice.token,
      body: { ...spec('x'), cpus: 'four' },
    });
    expect(wrongType.status).toBe(422);
    expect(wrongType.body).toMatchObject({ details: { field: 'cpus' } });
    const huge = await api.call('POST', '/api/minikube-clusters', {
      token: api.alice.token,
      body: { ...spec('x'), memory: 1e300 },
    });
    expect(huge.status).toBe(422);
    expect(huge.body).toMatchObject({ details: { field: 'memory' } });
  });

  it('409 for a duplicate name, with the existing id', async () => {
    const name = uniqueName();
    const a = await api.call('POST', '/api/minikube-clusters', { token: api.alice.token, body: spec(name) });
    const b = await api.call('POST', '/api/minikube-clusters', { token: api.alice.token, body: spec(name) });
    expect(b.status).toBe(409);
    expect(b.body).toMatchObject({ error: 'Conflict', id: a.body.id });
  });

  it('409 when starting a cluster that is starting or running', async () => {
    const c = await api.call('POST', '/api/minikube-clusters', {
      token: api.alice.token,
      body: spec(uniqueName()),
    });
    const id = c.body.id as string;
    expect(
      (await api.call('POST', `/api/minikube-clusters/${id}/start`, { token: api.alice.token })).status,
    ).toBe(202);
    const again = await api.call('POST', `/api/minikube-clusters/${id}/start`, { token: api.alice.token });
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ error: 'Conflict', id });
    await api.db.sql`update minikube_clusters set status = 'running' where id = ${id}`;
    const running = await api.call('POST', `/api/minikube-clusters/${id}/start`, { token: api.alice.token });
    expect(running.status).toBe(409);
  });

  it('404 with id for unknown and non-UUID ids; 404 without id for unknown routes', async () => {
    const unknown = '00000000-0000-4000-8000-000000000000';
    const r = await api.call('GET', `/api/minikube-clusters/${unknown}`, { token: api.alice.token });
    expect(r.status).toBe(404);
    expect(r.body).toEqual({ error: 'Not Found', message: 'Resource not found', id: unknown });
    const bad = await api.call('POST', '/api/minikube-clusters/not-a-uuid/start', { token: api.alice.token });
    expect(bad.status).toBe(404);
    const route = await api.call('GET', '/api/nothing-here', { token: api.alice.token });
    expect(route.status).toBe(404);
    expect(route.body).toEqual({ error: 'Not Found', message: 'Resource not found' });
  });

  it('422 for invalid pagination and status filters', async () => {
    for (const q of ['page=0', 'page=abc', 'per_page=101', 'per_page=-1', 'status=exploded']) {
      const r = await api.call('GET', `/api/minikube-clusters?${q}`, { token: api.alice.token });
      expect(r.status, q).toBe(422);
      expect(r.body).toMatchObject({ error: 'Invalid request', details: { field: q.split('=')[0] } });
    }
  });
});
