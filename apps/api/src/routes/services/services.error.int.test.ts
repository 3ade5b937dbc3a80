import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApi, type TestApi } from '../../test-helpers.ts';

let api: TestApi;
beforeAll(async () => {
  api = await createTestApi();
});
afterAll(async () => {
  await api?.close();
});

describe('services: errors', () => {
  it('422 first bad field and unknown deployment; 404 unknown service', async () => {
    const missing = await api.call('POST', '/api/services', { token: api.alice.token, body: { port: 80 } });
    expect(missing.status).toBe(422);
    expect(missing.body).toMatchObject({ details: { field: 'name', issue: 'required field is missing' } });
    const type = await api.call('POST', '/api/services', {
      token: api.alice.token,
      body: { name: 'svc', type: 'Ingress', port: 80, target_port: 80, deployment_id: crypto.randomUUID() },
    });
    expect(type.body).toMatchObject({ details: { field: 'type' } });
    const port = await api.call('POST', '/api/services', {
      token: api.alice.token,
      body: { name: 'svc', port: 70000, target_port: 80, deployment_id: crypto.randomUUID() },
    });
    expect(port.body).toMatchObject({ details: { field: 'port' } });
    const dep = await api.call('POST', '/api/services', {
      token: api.alice.token,
      body: { name: 'svc', port: 80, target_port: 80, deployment_id: crypto.randomUUID() },
    });
    expect(dep.status).toBe(422);
    expect(dep.body).toMatchObject({ details: { field: 'deployment_id' } });
    const id = crypto.randomUUID();
    const nf = await api.call('PUT', `/api/services/${id}`, { token: api.alice.token, body: { port: 81 } });
    expect(nf.status).toBe(404);
    expect(nf.body).toMatchObject({ id });
  });
});
