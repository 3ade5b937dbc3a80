import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApi, type TestApi, uniqueName } from '../../test-helpers.ts';

let api: TestApi;
let depId: string;
beforeAll(async () => {
  api = await createTestApi();
  await api.runningCluster(api.alice);
  const d = await api.call('POST', '/api/deployments', {
    token: api.alice.token,
    body: { name: uniqueName('todo-backend'), replicas: 2, image: 'nginx:1.27', container_port: 8000 },
  });
  depId = d.body.id as string;
});
afterAll(async () => {
  await api?.close();
});

describe('services: happy paths', () => {
  it('create (pending), get, list, update, delete', async () => {
    const name = uniqueName('todo-backend-service');
    const c = await api.call('POST', '/api/services', {
      token: api.alice.token,
      body: { name, type: 'ClusterIP', port: 80, target_port: 8000, protocol: 'TCP', deployment_id: depId },
    });
    expect(c.status).toBe(201);
    expect(c.body).toMatchObject({
      name,
      type: 'ClusterIP',
      port: 80,
      target_port: 8000,
      protocol: 'TCP',
      status: 'pending',
      deployment_id: depId,
    });
    const id = c.body.id as string;
    expect(await api.producer.holds('service.apply', c.body.operation_id as string)).toBe(true);
    expect((await api.call('GET', `/api/services/${id}`, { token: api.alice.token })).body).toMatchObject({
      id,
    });
    const l = await api.call<{ total: number }>('GET', '/api/services?status=pending', {
      token: api.alice.token,
    });
    expect(l.body.total).toBe(1);

    const u = await api.call('PUT', `/api/services/${id}`, {
      token: api.alice.token,
      body: { type: 'LoadBalancer' },
    });
    expect(u.status).toBe(202);
    expect(u.body).toMatchObject({
      type: 'LoadBalancer',
      status: 'pending',
      operation_id: expect.any(String),
    });

    const d = await api.call('DELETE', `/api/services/${id}`, { token: api.alice.token });
    expect(d.status).toBe(200);
    expect(d.body).toMatchObject({ message: 'Service deleted successfully', id });
    expect((await api.call('GET', `/api/services/${id}`, { token: api.alice.token })).status).toBe(404);
  });
});
