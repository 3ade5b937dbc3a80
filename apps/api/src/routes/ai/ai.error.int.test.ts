import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApi, type TestApi, uniqueName } from '../../test-helpers.ts';

let api: TestApi;
beforeAll(async () => {
  api = await createTestApi({ aiSyncTimeoutMs: 30 });
});
afterAll(async () => {
  await api?.close();
});

describe('AI operations: errors and timeouts', () => {
  it('debug still running at the deadline: 202 with operation_id and Location to poll', async () => {
    await api.runningCluster(api.alice);
    const d = await api.call('POST', '/api/deployments', {
      token: api.alice.token,
      body: { name: uniqueName(), replicas: 1, image: 'nginx', container_port: 80 },
    });
    const r = await api.call('POST', '/api/ai/debug', {
      token: api.alice.token,
      body: { deployment_id: d.body.id },
    });
    expect(r.status).toBe(202);
    expect(r.body).toMatchObject({ status: 'in_progress', deployment_id: d.body.id, ai_agent: 'kubectl-ai' });
    expect(r.headers.get('Location')).toBe(`/api/operations/${r.body.operation_id}`);
    expect(await api.producer.holds('ai.debug', r.body.operation_id as string)).toBe(true);
  });

  it('422 for missing fields and unknown resources; 409 for a chart that is not valid', async () => {
    const missing = await api.call('POST', '/api/ai/deploy', { token: api.alice.token, body: {} });
    expect(missing.status).toBe(422);
    expect(missing.body).toMatchObject({
      details: { field: 'helm_chart_id', issue: 'required field is missing' },
    });
    const analyze = await api.call('POST', '/api/ai/analyze', {
      token: api.alice.token,
      body: { minikube_cluster_id: crypto.randomUUID() },
    });
    expect(analyze.status).toBe(422);
    expect(analyze.body).toMatchObject({ details: { field: 'minikube_cluster_id' } });
    const debug = await api.call('POST', '/api/ai/debug', {
      token: api.alice.token,
      body: { deployment_id: crypto.randomUUID() },
    });
    expect(debug.status).toBe(404);
    const chart = await api.call('POST', '/api/helm-charts', {
      token: api.alice.token,
      body: { name: uniqueName('c'), version: '1.0.0' },
    });
    const cluster = await api.runningCluster(api.alice);
    const deploy = await api.call('POST', '/api/ai/deploy', {
      token: api.alice.token,
      body: { helm_chart_id: chart.body.id, minikube_cluster_id: cluster.id },
    });
    expect(deploy.status).toBe(409);
    const viewer = await api.call('POST', '/api/ai/scale', {
      token: api.viewer.token,
      body: { deployment_id: crypto.randomUUID(), target_replicas: 1 },
    });
    expect(viewer.status).toBe(403);
  });
});
