import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApi, type TestApi } from '../../test-helpers.ts';

let api: TestApi;
beforeAll(async () => {
  api = await createTestApi({
    driversReport: async () => [{ family: 'images', kind: 'sandbox', reachable: true, picked: true }],
  });
});
afterAll(async () => {
  await api?.close();
});

describe('system endpoints', () => {
  it('healthz and readyz need no token', async () => {
    const h = await api.call('GET', '/healthz');
    expect(h.status).toBe(200);
    const r = await api.call('GET', '/readyz');
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      status: 'ready',
      checks: { postgres: 'ok', redis: 'ok', migrations: 'ok' },
    });
  });

  it('metrics, drivers, queues and Prometheus text are for admins', async () => {
    await api.call('GET', '/api/minikube-clusters', { token: api.alice.token });
    const m = await api.call('GET', '/api/system/metrics', { token: api.admin.token });
    expect(m.status).toBe(200);
    expect(m.body).toMatchObject({
      request_count: expect.any(Number),
      average_response_time_ms: expect.any(Number),
      error_rate: expect.any(Number),
      success_rate: expect.any(Number),
    });
    expect((m.body.request_count as number) >= 3).toBe(true);
    const d = await api.call('GET', '/api/system/drivers', { token: api.admin.token });
    expect(d.body).toMatchObject({ driver: 'sandbox', drivers: [{ family: 'images', kind: 'sandbox' }] });
    const q = await api.call<{ queues: { name: string; counts: Record<string, number> }[] }>(
      'GET',
      '/api/system/queues',
      { token: api.admin.token },
    );
    expect(q.status).toBe(200);
    expect(q.body.queues.map((x) => x.name)).toContain('deployments');
    const p = await api.request('GET', '/metrics', { token: api.admin.token });
    expect(p.status).toBe(200);
    expect(p.headers.get('Content-Type')).toContain('text/plain');
    expect(await p.text()).toContain('slipway_http_requests_total');

    for (const path of ['/api/system/metrics', '/api/system/drivers', '/api/system/queues', '/metrics']) {
      expect((await api.call('GET', path, { token: api.alice.token })).status, path).toBe(403);
    }
    expect((await api.call('GET', '/metrics')).status).toBe(401);
  });

  it('admin reads and every write are audited', async () => {
    await api.call('GET', '/api/system/metrics', { token: api.admin.token });
    const c = await api.call('POST', '/api/minikube-clusters', {
      token: api.alice.token,
      body: { name: 'audited', cpus: 1, memory: 1024, disk_size: 2048, kubernetes_version: 'v1.30.0' },
    });
    await api.app.drain();
    const rows = await api.db.sql<
      { action: string; user_id: string; resource_id: string; status_code: number }[]
    >`
      select action, user_id, resource_id, status_code from audit_log order by id`;
    expect(rows).toContainEqual(
      expect.objectContaining({ action: 'GET /api/system/metrics', user_id: api.admin.id, status_code: 200 }),
    );
    expect(rows).toContainEqual(
      expect.objectContaining({
        action: 'POST /api/minikube-clusters',
        user_id: api.alice.id,
        resource_id: c.body.id,
        status_code: 201,
      }),
    );
    expect(rows.some((r) => r.action.startsWith('GET') && r.user_id === api.alice.id)).toBe(false);
  });
});
