import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApi, type TestApi, uniqueName } from '../../test-helpers.ts';

let api: TestApi;
let depId: string;
let clusterId: string;
beforeAll(async () => {
  api = await createTestApi();
  clusterId = (await api.runningCluster(api.alice)).id;
  const d = await api.call('POST', '/api/deployments', {
    token: api.alice.token,
    body: { name: uniqueName(), replicas: 1, image: 'nginx:1.27', container_port: 80 },
  });
  depId = d.body.id as string;
});
afterAll(async () => {
  await api?.close();
});

describe('deployments: security', () => {
  it("another user's deployment and cluster are invisible", async () => {
    for (const [m, p, body] of [
      ['GET', '', undefined],
      ['PUT', '', { replicas: 2 }],
      ['POST', '/scale', { replicas: 2 }],
      ['DELETE', '', undefined],
    ] as const) {
      const r = await api.call(m, `/api/deployments/${depId}${p}`, { token: api.bob.token, body });
      expect(r.status, `${m} ${p}`).toBe(404);
    }
    const onOthersCluster = await api.call('POST', '/api/deployments', {
      token: api.bob.token,
      body: { name: 'x', replicas: 1, image: 'nginx', container_port: 80, minikube_cluster_id: clusterId },
    });
    expect(onOthersCluster.status).toBe(422);
    expect(onOthersCluster.body).toMatchObject({ details: { field: 'minikube_cluster_id' } });
  });

  it('viewers cannot scale', async () => {
    const r = await api.call('POST', `/api/deployments/${depId}/scale`, {
      token: api.viewer.token,
      body: { replicas: 2 },
    });
    expect(r.status).toBe(403);
  });
});
