import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApi, type TestApi, uniqueName } from '../../test-helpers.ts';

let api: TestApi;
let aliceCluster: string;
beforeAll(async () => {
  api = await createTestApi();
  const r = await api.call('POST', '/api/minikube-clusters', {
    token: api.alice.token,
    body: { name: uniqueName(), cpus: 2, memory: 2048, disk_size: 20480, kubernetes_version: 'v1.28.0' },
  });
  aliceCluster = r.body.id as string;
});
afterAll(async () => {
  await api?.close();
});

describe('minikube clusters: security', () => {
  it("another user's cluster is a 404 for every verb; admins see it", async () => {
    for (const [m, p] of [
      ['GET', ''],
      ['POST', '/start'],
      ['POST', '/stop'],
      ['DELETE', ''],
    ] as const) {
      const r = await api.call(m, `/api/minikube-clusters/${aliceCluster}${p}`, { token: api.bob.token });
      expect(r.status, `${m} ${p}`).toBe(404);
    }
    const list = await api.call<{ total: number }>('GET', '/api/minikube-clusters', { token: api.bob.token });
    expect(list.body.total).toBe(0);
    const admin = await api.call('GET', `/api/minikube-clusters/${aliceCluster}`, { token: api.admin.token });
    expect(admin.status).toBe(200);
  });

  it('viewers get 403 on writes, and may read', async () => {
    const w = await api.call('POST', '/api/minikube-clusters', {
      token: api.viewer.token,
      body: { name: 'v', cpus: 2, memory: 2048, disk_size: 20480, kubernetes_version: 'v1.28.0' },
    });
    expect(w.status).toBe(403);
    expect(w.body).toEqual({ error: 'Forbidden', message: 'Insufficient permissions' });
    const r = await api.call('GET', '/api/minikube-clusters', { token: api.viewer.token });
    expect(r.status).toBe(200);
  });

  it('401 without a token', async () => {
    const r = await api.call('GET', '/api/minikube-clusters');
    expect(r.status).toBe(401);
    expect(r.body).toEqual({ error: 'Unauthorized', message: 'Authentication required' });
  });

  it('SQL-injection-looking input is plain data', async () => {
    const evil = "x' OR '1'='1; drop table minikube_clusters; --";
    const list = await api.call<{ total: number }>(
      'GET',
      `/api/minikube-clusters?name=${encodeURIComponent(evil)}`,
      { token: api.alice.token },
    );
    expect(list.status).toBe(200);
    expect(list.body.total).toBe(0);
    const create = await api.call('POST', '/api/minikube-clusters', {
      token: api.alice.token,
      body: { name: evil, cpus: 2, memory: 2048, disk_size: 20480, kubernetes_version: 'v1.28.0' },
    });
    expect(create.status).toBe(422);
    const path = await api.call('GET', `/api/minikube-clusters/${encodeURIComponent("1' or 1=1 --")}`, {
      token: api.alice.token,
    });
    expect(path.status).toBe(404);
    const still = await api.call('GET', `/api/minikube-clusters/${aliceCluster}`, { token: api.alice.token });
    expect(still.status).toBe(200);
  });
});
