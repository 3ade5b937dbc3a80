// Issue 12 item 1 (tenants): kubeconfig contexts come from an admin-managed allowlist assigned to
// owners. Before it, operator B registered A's context and applied over A's deployment.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApi, type TestApi, uniqueName } from '../../test-helpers.ts';

let api: TestApi;
beforeAll(async () => {
  api = await createTestApi();
});
afterAll(async () => {
  await api?.close();
});

const kubeconfigCluster = (kube_context: string) => ({
  name: uniqueName('kc'),
  cpus: 2,
  memory: 2048,
  disk_size: 20480,
  kubernetes_version: 'v1.30.0',
  kind: 'kubeconfig',
  kube_context,
});

const assign = (context: string, owner_id: string, token = api.admin.token) =>
  api.call<Record<string, unknown>>('POST', '/api/kube-contexts', { token, body: { context, owner_id } });

describe('kube context allowlist', () => {
  it("an owner registers only contexts assigned to them: another owner's context is a 403", async () => {
    const ctx = uniqueName('team-a');
    const a = await assign(ctx, api.alice.id);
    expect(a.status).toBe(201);
    expect(a.body).toMatchObject({ context: ctx, owner_id: api.alice.id, created_by: api.admin.id });

    const bob = await api.call('POST', '/api/minikube-clusters', {
      token: api.bob.token,
      body: kubeconfigCluster(ctx),
    });
    expect(bob.status).toBe(403);
    expect(bob.body).toEqual({ error: 'Forbidden', message: 'Insufficient permissions' });

    const alice = await api.call('POST', '/api/minikube-clusters', {
      token: api.alice.token,
      body: kubeconfigCluster(ctx),
    });
    expect(alice.status).toBe(201);
    expect(alice.body).toMatchObject({ kind: 'kubeconfig', kube_context: ctx, status: 'running' });
  });

  it('a context nobody was assigned, or none at all (the name is taken as the context), is a 403', async () => {
    const r = await api.call('POST', '/api/minikube-clusters', {
      token: api.alice.token,
      body: kubeconfigCluster(uniqueName('unlisted')),
    });
    expect(r.status).toBe(403);
    const { kube_context: _, ...noContext } = kubeconfigCluster('x');
    const n = await api.call('POST', '/api/minikube-clusters', { token: api.alice.token, body: noContext });
    expect(n.status).toBe(403);
  });

  it('admins too register only contexts assigned to them', async () => {
    const ctx = uniqueName('team-b');
    expect((await assign(ctx, api.bob.id)).status).toBe(201);
    const r = await api.call('POST', '/api/minikube-clusters', {
      token: api.admin.token,
      body: kubeconfigCluster(ctx),
    });
    expect(r.status).toBe(403);
  });

  it('a context starting with "-" is a 422, at the admin API and at cluster creation', async () => {
    const a = await assign('--kubeconfig=/etc/passwd', api.alice.id);
    expect(a.status).toBe(422);
    expect(a.body).toMatchObject({ details: { field: 'context' } });
    const c = await api.call('POST', '/api/minikube-clusters', {
      token: api.alice.token,
      body: kubeconfigCluster('-oProxyCommand'),
    });
    expect(c.status).toBe(422);
    expect(c.body).toMatchObject({ details: { field: 'kube_context' } });
  });

  it('one owner per context (409); an unknown owner is a 422', async () => {
    const ctx = uniqueName('shared');
    expect((await assign(ctx, api.alice.id)).status).toBe(201);
    const again = await assign(ctx, api.bob.id);
    expect(again.status).toBe(409);
    const ghost = await assign(uniqueName('ghost'), '00000000-0000-4000-8000-000000000000');
    expect(ghost.status).toBe(422);
    expect(ghost.body).toMatchObject({ details: { field: 'owner_id', issue: 'no such user' } });
  });

  it('only admins assign, list and withdraw (403); withdrawn contexts refuse new clusters', async () => {
    const ctx = uniqueName('temp');
    expect((await assign(ctx, api.alice.id, api.alice.token)).status).toBe(403);
    const a = await assign(ctx, api.alice.id);
    const id = String(a.body.id);
    expect((await api.call('GET', '/api/kube-contexts', { token: api.alice.token })).status).toBe(403);
    expect((await api.call('DELETE', `/api/kube-contexts/${id}`, { token: api.bob.token })).status).toBe(403);

    const list = await api.call<{ items: { id: string; context: string }[]; total: number }>(
      'GET',
      '/api/kube-contexts?per_page=100',
      { token: api.admin.token },
    );
    expect(list.status).toBe(200);
    expect(list.body.items).toContainEqual(expect.objectContaining({ id, context: ctx }));

    const d = await api.call('DELETE', `/api/kube-contexts/${id}`, { token: api.admin.token });
    expect(d.status).toBe(204);
    expect((await api.call('DELETE', `/api/kube-contexts/${id}`, { token: api.admin.token })).status).toBe(
      404,
    );
    const r = await api.call('POST', '/api/minikube-clusters', {
      token: api.alice.token,
      body: kubeconfigCluster(ctx),
    });
    expect(r.status).toBe(403);
  });
});
