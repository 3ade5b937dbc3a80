// Issue 12 item 1 (tenants): each owner works in namespaces assigned to it (default: one per owner),
// managed by admins; a withdrawal refuses the owner's later changes there.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApi, type TestApi, uniqueName } from '../../test-helpers.ts';

let api: TestApi;
let aliceCluster: string;
let bobCluster: string;
beforeAll(async () => {
  api = await createTestApi();
  aliceCluster = (await api.runningCluster(api.alice)).id;
  bobCluster = (await api.runningCluster(api.bob)).id;
});
afterAll(async () => {
  await api?.close();
});

const FORBIDDEN = { error: 'Forbidden', message: 'Insufficient permissions' };
const own = (id: string) => `slipway-u-${id.replaceAll('-', '')}`;
const assign = (namespace: string, owner_id: string, token = api.admin.token) =>
  api.call<Record<string, unknown>>('POST', '/api/namespaces', { token, body: { namespace, owner_id } });
const deploy = (token: string, minikube_cluster_id: string, namespace?: string) =>
  api.call<Record<string, unknown>>('POST', '/api/deployments', {
    token,
    body: {
      name: uniqueName('web'),
      replicas: 1,
      image: 'nginx:1.27',
      container_port: 80,
      minikube_cluster_id,
      ...(namespace === undefined ? {} : { namespace }),
    },
  });

describe('namespaces per owner', () => {
  it("no namespace given: the owner's own slipway-u-<id>, different for every owner", async () => {
    const a = await deploy(api.alice.token, aliceCluster);
    const b = await deploy(api.bob.token, bobCluster);
    expect(a.status).toBe(201);
    expect(b.status).toBe(201);
    expect(a.body.namespace).toBe(own(api.alice.id));
    expect(b.body.namespace).toBe(own(api.bob.id));
    expect(a.body.namespace).not.toBe(b.body.namespace);
  });

  it("another owner's default, an unassigned namespace or default is a 403 (admins included)", async () => {
    for (const ns of [own(api.bob.id), uniqueName('nobody'), 'default']) {
      const r = await deploy(api.alice.token, aliceCluster, ns);
      expect(r.status).toBe(403);
      expect(r.body).toEqual(FORBIDDEN);
    }
    const adminCluster = (await api.runningCluster(api.admin)).id;
    const r = await deploy(api.admin.token, adminCluster, own(api.alice.id));
    expect(r.status).toBe(403);
  });

  it('an assigned namespace works for its owner only; one owner per namespace (409)', async () => {
    const ns = uniqueName('team-a');
    const a = await assign(ns, api.alice.id);
    expect(a.status).toBe(201);
    expect(a.body).toMatchObject({ namespace: ns, owner_id: api.alice.id, created_by: api.admin.id });
    expect((await deploy(api.alice.token, aliceCluster, ns)).status).toBe(201);
    expect((await deploy(api.bob.token, bobCluster, ns)).status).toBe(403);
    const again = await assign(ns, api.bob.id);
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ id: a.body.id });
    expect((await assign(ns, api.alice.id)).status).toBe(409);
  });

  it('the admin API refuses bad names (422): system, reserved defaults, not a DNS label, unknown owner', async () => {
    for (const [ns, issue] of [
      ['kube-system', 'is a system namespace'],
      [own(api.bob.id), 'is reserved'],
      ['Not_A_Label', 'DNS-1123'],
    ] as const) {
      const r = await assign(ns, api.alice.id);
      expect(r.status).toBe(422);
      expect(JSON.stringify(r.body)).toContain(issue);
    }
    const ghost = await assign(uniqueName('ghost'), '00000000-0000-4000-8000-000000000000');
    expect(ghost.status).toBe(422);
    expect(ghost.body).toMatchObject({ details: { field: 'owner_id', issue: 'no such user' } });
  });

  it('only admins assign, list and withdraw (403); the list filters by owner', async () => {
    const ns = uniqueName('team-b');
    expect((await assign(ns, api.bob.id, api.bob.token)).status).toBe(403);
    const a = await assign(ns, api.bob.id);
    const id = String(a.body.id);
    expect((await api.call('GET', '/api/namespaces', { token: api.bob.token })).status).toBe(403);
    expect((await api.call('DELETE', `/api/namespaces/${id}`, { token: api.bob.token })).status).toBe(403);
    const list = await api.call<{ items: { id: string; owner_id: string }[]; total: number }>(
      'GET',
      `/api/namespaces?per_page=100&owner_id=${api.bob.id}`,
      { token: api.admin.token },
    );
    expect(list.status).toBe(200);
    expect(list.body.items).toContainEqual(expect.objectContaining({ id, namespace: ns }));
    expect(list.body.items.every((i) => i.owner_id === api.bob.id)).toBe(true);
    // Audited like every admin request.
    const audit = await api.call<{ items: { action: string; user_id: string; status_code: number }[] }>(
      'GET',
      `/api/audit?resource_id=${id}`,
      { token: api.admin.token },
    );
    expect(audit.body.items).toContainEqual(
      expect.objectContaining({ action: 'POST /api/namespaces', user_id: api.admin.id, status_code: 201 }),
    );
  });

  it('after a withdrawal the owner can no longer create, change, scale, delete or add a service there (403)', async () => {
    const ns = uniqueName('team-c');
    const a = await assign(ns, api.alice.id);
    const d = await deploy(api.alice.token, aliceCluster, ns);
    expect(d.status).toBe(201);
    const depId = String(d.body.id);
    const svc = await api.call<Record<string, unknown>>('POST', '/api/services', {
      token: api.alice.token,
      body: { name: uniqueName('svc'), type: 'ClusterIP', port: 80, target_port: 80, deployment_id: depId },
    });
    expect(svc.status).toBe(201);

    const w = await api.call('DELETE', `/api/namespaces/${a.body.id}`, { token: api.admin.token });
    expect(w.status).toBe(204);
    expect(
      (await api.call('DELETE', `/api/namespaces/${a.body.id}`, { token: api.admin.token })).status,
    ).toBe(404);

    const refused = [
      await deploy(api.alice.token, aliceCluster, ns),
      await api.call('PUT', `/api/deployments/${depId}`, {
        token: api.alice.token,
        body: { image: 'nginx:1.28' },
      }),
      await api.call('POST', `/api/deployments/${depId}/scale`, {
        token: api.alice.token,
        body: { replicas: 3 },
      }),
      await api.call('POST', '/api/services', {
        token: api.alice.token,
        body: { name: uniqueName('svc'), type: 'ClusterIP', port: 81, target_port: 81, deployment_id: depId },
      }),
      await api.call('PUT', `/api/services/${svc.body.id}`, { token: api.alice.token, body: { port: 82 } }),
      await api.call('DELETE', `/api/services/${svc.body.id}`, { token: api.alice.token }),
      await api.call('DELETE', `/api/deployments/${depId}`, { token: api.alice.token }),
    ];
    expect(refused.map((r) => r.status)).toEqual([403, 403, 403, 403, 403, 403, 403]);
    // Nothing moved: the deployment keeps its spec and status.
    const g = await api.call('GET', `/api/deployments/${depId}`, { token: api.alice.token });
    expect(g.body).toMatchObject({ replicas: 1, image: 'nginx:1.27', status: 'pending', namespace: ns });

    // Assigned again: the owner works there again.
    expect((await assign(ns, api.alice.id)).status).toBe(201);
    const s = await api.call('POST', `/api/deployments/${depId}/scale`, {
      token: api.alice.token,
      body: { replicas: 2 },
    });
    expect(s.status).toBe(202);
  });

  it("a withdrawn kube context refuses changes on the cluster's deployments (403)", async () => {
    const ctx = `${uniqueName('kc')}-w`;
    const a = await api.call<Record<string, unknown>>('POST', '/api/kube-contexts', {
      token: api.admin.token,
      body: { context: ctx, owner_id: api.alice.id },
    });
    const c = await api.call<Record<string, unknown>>('POST', '/api/minikube-clusters', {
      token: api.alice.token,
      body: {
        name: uniqueName('kc'),
        cpus: 2,
        memory: 2048,
        disk_size: 20480,
        kubernetes_version: 'v1.30.0',
        kind: 'kubeconfig',
        kube_context: ctx,
      },
    });
    expect(c.status).toBe(201);
    const d = await deploy(api.alice.token, String(c.body.id));
    expect(d.status).toBe(201);
    expect(
      (await api.call('DELETE', `/api/kube-contexts/${a.body.id}`, { token: api.admin.token })).status,
    ).toBe(204);
    expect((await deploy(api.alice.token, String(c.body.id))).status).toBe(403);
    const s = await api.call('POST', `/api/deployments/${d.body.id}/scale`, {
      token: api.alice.token,
      body: { replicas: 3 },
    });
    expect(s.status).toBe(403);
  });
});
