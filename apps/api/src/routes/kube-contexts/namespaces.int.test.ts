// Issue 12 item 1 (tenants): no tenant deploys into kube-system or the other system namespaces, and
// each owner works in its own default namespace and the ones assigned to it.
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

const deployment = (namespace?: string) => ({
  name: uniqueName('web'),
  replicas: 1,
  image: 'nginx:1.27',
  container_port: 80,
  minikube_cluster_id: clusterId,
  ...(namespace === undefined ? {} : { namespace }),
});

describe('system namespaces', () => {
  it.each(['kube-system', 'kube-public', 'kube-node-lease', 'kube-anything', 'openshift-config', 'kagent'])(
    '%s is refused with a 422 on namespace, for admins too',
    async (ns) => {
      for (const token of [api.alice.token, api.admin.token]) {
        const r = await api.call('POST', '/api/deployments', { token, body: deployment(ns) });
        expect(r.status).toBe(422);
        expect(r.body).toMatchObject({
          message: `Namespace ${ns} is reserved for the system`,
          details: { field: 'namespace', issue: 'is a system namespace' },
        });
      }
    },
  );

  it('an owner deploys into its default namespace (none given, or named) and into assigned ones only', async () => {
    const own = `slipway-u-${api.alice.id.replaceAll('-', '')}`;
    const team = uniqueName('team-a');
    expect(
      (
        await api.call('POST', '/api/namespaces', {
          token: api.admin.token,
          body: { namespace: team, owner_id: api.alice.id },
        })
      ).status,
    ).toBe(201);
    for (const ns of [team, own, undefined]) {
      const r = await api.call('POST', '/api/deployments', { token: api.alice.token, body: deployment(ns) });
      expect(r.status).toBe(201);
      expect(r.body).toMatchObject({ namespace: ns ?? own });
    }
    const d = await api.call('POST', '/api/deployments', {
      token: api.alice.token,
      body: deployment('default'),
    });
    expect(d.status).toBe(403);
  });
});
