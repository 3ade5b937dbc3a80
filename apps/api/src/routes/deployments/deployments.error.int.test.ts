import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApi, type TestApi, uniqueName } from '../../test-helpers.ts';

let api: TestApi;
beforeAll(async () => {
  api = await createTestApi();
});
afterAll(async () => {
  await api?.close();
});

const body = (name: string) => ({ name, replicas: 1, image: 'nginx:1.27', container_port: 80 });

describe('deployments: errors', () => {
  it('422 when the caller has no running cluster', async () => {
    const r = await api.call('POST', '/api/deployments', {
      token: api.alice.token,
      body: body(uniqueName()),
    });
    expect(r.status).toBe(422);
    expect(r.body).toMatchObject({ details: { field: 'minikube_cluster_id' } });
  });

  it('422 first bad field; 409 duplicate name in a cluster; 409 scaling on a stopped cluster', async () => {
    const cluster = await api.runningCluster(api.alice);
    const bad = await api.call('POST', '/api/deployments', {
      token: api.alice.token,
      body: { ...body('Not_A_Dns_Name'), replicas: -1 },
    });
    expect(bad.status).toBe(422);
    expect(bad.body).toMatchObject({ details: { field: 'name' } });
    const replicas = await api.call('POST', '/api/deployments', {
      token: api.alice.token,
      body: { ...body('ok'), replicas: 2 ** 40 },
    });
    expect(replicas.body).toMatchObject({ details: { field: 'replicas' } });
    const chart = await api.call('POST', '/api/deployments', {
      token: api.alice.token,
      body: { ...body('ok'), helm_chart_id: 'nope' },
    });
    expect(chart.body).toMatchObject({ details: { field: 'helm_chart_id' } });

    const name = uniqueName();
    const a = await api.call('POST', '/api/deployments', { token: api.alice.token, body: body(name) });
    expect(a.status).toBe(201);
    const b = await api.call('POST', '/api/deployments', { token: api.alice.token, body: body(name) });
    expect(b.status).toBe(409);
    expect(b.body).toMatchObject({ error: 'Conflict', id: a.body.id });

    await api.db.sql`update minikube_clusters set status = 'stopped' where id = ${cluster.id}`;
    const scale = await api.call('POST', `/api/deployments/${a.body.id}/scale`, {
      token: api.alice.token,
      body: { replicas: 3 },
    });
    expect(scale.status).toBe(409);
    const missing = await api.call('POST', `/api/deployments/${a.body.id}/scale`, {
      token: api.alice.token,
      body: {},
    });
    expect(missing.status).toBe(422);
    expect(missing.body).toMatchObject({
      details: { field: 'replicas', issue: 'required field is missing' },
    });
  });

  it('404 for unknown deployments', async () => {
    const id = '00000000-0000-4000-8000-000000000003';
    const r = await api.call('POST', `/api/deployments/${id}/scale`, {
      token: api.alice.token,
      body: { replicas: 1 },
    });
    expect(r.status).toBe(404);
    expect(r.body).toEqual({ error: 'Not Found', message: 'Resource not found', id });
  });
});
