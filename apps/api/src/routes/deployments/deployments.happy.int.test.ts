import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApi, type TestApi, uniqueName } from '../../test-helpers.ts';

let api: TestApi;
let clusterId: string;
beforeAll(async () => {
  api = await createTestApi();
  clusterId = (await api.runningCluster(api.alice)).id;
});
afterAll(async () => {
  await api?.close();
});

describe('deployments: happy paths', () => {
  it('create (pending), get with available_replicas, update, scale, delete', async () => {
    const name = uniqueName('todo-backend');
    const c = await api.call('POST', '/api/deployments', {
      token: api.alice.token,
      body: { name, replicas: 2, image: 'docker.io/todo-app/todo-backend:latest', container_port: 8000 },
    });
    expect(c.status).toBe(201);
    expect(c.body).toMatchObject({
      name,
      replicas: 2,
      image: 'docker.io/todo-app/todo-backend:latest',
      container_port: 8000,
      status: 'pending',
      minikube_cluster_id: clusterId,
      namespace: `slipway-u-${api.alice.id.replaceAll('-', '')}`,
    });
    const id = c.body.id as string;
    expect(await api.producer.holds('deployment.apply', c.body.operation_id as string)).toBe(true);

    const g = await api.call('GET', `/api/deployments/${id}`, { token: api.alice.token });
    expect(g.body).toMatchObject({ id, available_replicas: 0 });

    const u = await api.call('PUT', `/api/deployments/${id}`, {
      token: api.alice.token,
      body: { replicas: 3, image: 'docker.io/todo-app/todo-backend:v1.0.0' },
    });
    expect(u.status).toBe(202);
    expect(u.body).toMatchObject({
      replicas: 3,
      image: 'docker.io/todo-app/todo-backend:v1.0.0',
      status: 'updating',
    });
    expect(u.headers.get('Location')).toBe(`/api/operations/${u.body.operation_id}`);

    const s = await api.call('POST', `/api/deployments/${id}/scale`, {
      token: api.alice.token,
      body: { replicas: 4 },
    });
    expect(s.status).toBe(202);
    expect(s.body).toMatchObject({
      message: 'Deployment scaling to 4 replicas',
      current_replicas: 3,
      desired_replicas: 4,
    });
    expect(await api.producer.holds('deployment.scale', s.body.operation_id as string)).toBe(true);

    const ops = await api.call<{ items: { kind: string; status: string }[]; total: number }>(
      'GET',
      `/api/operations?resource_id=${id}`,
      { token: api.alice.token },
    );
    expect(ops.body.total).toBe(3);
    expect(ops.body.items.map((o) => o.kind)).toEqual([
      'deployment.scale',
      'deployment.apply',
      'deployment.apply',
    ]);
    expect(ops.body.items.every((o) => o.status === 'queued')).toBe(true);

    const list = await api.call<{ items: { id: string }[] }>('GET', '/api/deployments?status=scaling', {
      token: api.alice.token,
    });
    expect(list.body.items.map((d) => d.id)).toEqual([id]);

    const d = await api.call('DELETE', `/api/deployments/${id}`, { token: api.alice.token });
    expect(d.status).toBe(200);
    expect(d.body).toMatchObject({
      message: 'Deployment deleted successfully',
      id,
      operation_id: expect.any(String),
    });
    expect((await api.call('GET', `/api/deployments/${id}`, { token: api.alice.token })).status).toBe(404);
  });
});
