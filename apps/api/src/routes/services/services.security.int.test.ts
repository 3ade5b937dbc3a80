import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApi, type TestApi, uniqueName } from '../../test-helpers.ts';

let api: TestApi;
let depId: string;
let svcId: string;
beforeAll(async () => {
  api = await createTestApi();
  await api.runningCluster(api.alice);
  const d = await api.call('POST', '/api/deployments', {
    token: api.alice.token,
    body: { name: uniqueName(), replicas: 1, image: 'nginx', container_port: 80 },
  });
  depId = d.body.id as string;
  const s = await api.call('POST', '/api/services', {
    token: api.alice.token,
    body: { name: uniqueName(), port: 80, target_port: 80, deployment_id: depId },
  });
  svcId = s.body.id as string;
});
afterAll(async () => {
  await api?.close();
});

describe('services: security', () => {
  it("another user's service is a 404 and their deployment cannot be exposed", async () => {
    expect((await api.call('GET', `/api/services/${svcId}`, { token: api.bob.token })).status).toBe(404);
    expect((await api.call('DELETE', `/api/services/${svcId}`, { token: api.bob.token })).status).toBe(404);
    const expose = await api.call('POST', '/api/services', {
      token: api.bob.token,
      body: { name: 'steal', port: 80, target_port: 80, deployment_id: depId },
    });
    expect(expose.status).toBe(422);
  });

  it('viewers cannot create', async () => {
    const r = await api.call('POST', '/api/services', {
      token: api.viewer.token,
      body: { name: 'v', port: 80, target_port: 80, deployment_id: depId },
    });
    expect(r.status).toBe(403);
  });
});
