import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApi, type TestApi, uniqueName } from '../../test-helpers.ts';

let api: TestApi;
beforeAll(async () => {
  api = await createTestApi();
});
afterAll(async () => {
  await api?.close();
});

const spec = (name: string) => ({
  name,
  cpus: 4,
  memory: 8192,
  disk_size: 30720,
  kubernetes_version: 'v1.28.0',
});

describe('minikube clusters: happy paths', () => {
  it('creates a stopped cluster (201) with the contract fields', async () => {
    const name = uniqueName('local-dev');
    const r = await api.call('POST', '/api/minikube-clusters', { token: api.alice.token, body: spec(name) });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({
      name,
      status: 'stopped',
      cpus: 4,
      memory: 8192,
      disk_size: 30720,
      kubernetes_version: 'v1.28.0',
      kind: 'minikube',
      driver: 'sandbox',
    });
    expect(typeof r.body.id).toBe('string');
    expect(typeof r.body.created_at).toBe('string');
    const got = await api.call('GET', `/api/minikube-clusters/${r.body.id}`, { token: api.alice.token });
    expect(got.status).toBe(200);
    expect(got.body).toEqual(r.body);
  });

  it('start, then stop and restart once running: 202, contract message, queued operation in BullMQ', async () => {
    const c = await api.call('POST', '/api/minikube-clusters', {
      token: api.alice.token,
      body: spec(uniqueName()),
    });
    const id = c.body.id as string;
    const s = await api.call('POST', `/api/minikube-clusters/${id}/start`, { token: api.alice.token });
    expect(s.status).toBe(202);
    expect(s.body).toMatchObject({ message: 'Cluster starting...', status: 'starting' });
    const opId = s.body.operation_id as string;
    expect(s.headers.get('Location')).toBe(`/api/operations/${opId}`);
    const op = await api.call('GET', `/api/operations/${opId}`, { token: api.alice.token });
    expect(op.body).toMatchObject({ id: opId, kind: 'cluster.start', status: 'queued', resource_id: id });
    expect(await api.producer.holds('cluster.start', opId)).toBe(true);

    // No worker runs here: act as one and record the cluster as running.
    await api.db.sql`update minikube_clusters set status = 'running' where id = ${id}`;
    const stop = await api.call('POST', `/api/minikube-clusters/${id}/stop`, { token: api.alice.token });
    expect(stop.status).toBe(202);
    expect(stop.body).toMatchObject({ message: 'Cluster stopping...', status: 'stopping' });
    expect(await api.producer.holds('cluster.stop', stop.body.operation_id as string)).toBe(true);

    await api.db.sql`update minikube_clusters set status = 'running' where id = ${id}`;
    const restart = await api.call('POST', `/api/minikube-clusters/${id}/restart`, {
      token: api.alice.token,
    });
    expect(restart.status).toBe(202);
    expect(restart.body).toMatchObject({ message: 'Cluster restarting...', status: 'restarting' });
  });

  it('lists with pagination headers and filters', async () => {
    const user = await api.addUser('operator');
    for (let i = 0; i < 3; i++) {
      const r = await api.call('POST', '/api/minikube-clusters', { token: user.token, body: spec(`p${i}`) });
      expect(r.status).toBe(201);
    }
    const page = await api.call<{ items: { name: string }[]; page: number; per_page: number; total: number }>(
      'GET',
      '/api/minikube-clusters?page=2&per_page=2&status=stopped',
      { token: user.token },
    );
    expect(page.status).toBe(200);
    expect(page.body).toMatchObject({ page: 2, per_page: 2, total: 3 });
    expect(page.body.items).toHaveLength(1);
    expect(page.headers.get('X-Total-Count')).toBe('3');
    expect(page.headers.get('Page')).toBe('2');
    expect(page.headers.get('PerPage')).toBe('2');
    const link = page.headers.get('Link') ?? '';
    expect(link).toContain('rel="first"');
    expect(link).toContain('rel="prev"');
    expect(link).toContain('rel="last"');
    expect(link).not.toContain('rel="next"');
    expect(link).toContain('status=stopped');

    const byName = await api.call<{ items: { name: string }[] }>('GET', '/api/minikube-clusters?name=p1', {
      token: user.token,
    });
    expect(byName.body.items.map((i) => i.name)).toEqual(['p1']);
  });

  it('deletes: message at once, then 404', async () => {
    const c = await api.call('POST', '/api/minikube-clusters', {
      token: api.alice.token,
      body: spec(uniqueName()),
    });
    const id = c.body.id as string;
    const d = await api.call('DELETE', `/api/minikube-clusters/${id}`, { token: api.alice.token });
    expect(d.status).toBe(200);
    expect(d.body).toMatchObject({ message: 'Cluster deleted successfully', id });
    expect(await api.producer.holds('cluster.delete', d.body.operation_id as string)).toBe(true);
    const g = await api.call('GET', `/api/minikube-clusters/${id}`, { token: api.alice.token });
    expect(g.status).toBe(404);
    expect(g.body).toEqual({ error: 'Not Found', message: 'Resource not found', id });
  });

  it('registers a kubeconfig cluster as running', async () => {
    await api.call('POST', '/api/kube-contexts', {
      token: api.admin.token,
      body: { context: 'kind-dev', owner_id: api.alice.id },
    });
    const r = await api.call('POST', '/api/minikube-clusters', {
      token: api.alice.token,
      body: { ...spec(uniqueName()), kind: 'kubeconfig', kube_context: 'kind-dev' },
    });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ status: 'running', kind: 'kubeconfig', kube_context: 'kind-dev' });
  });
});
