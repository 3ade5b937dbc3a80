import { claimOperation } from '@slipway/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApi, type TestApi, uniqueName } from '../../test-helpers.ts';

let api: TestApi;
let clusterId: string;
let depId: string;
beforeAll(async () => {
  // A short sync wait: tests that need an answer act as the worker while the request waits.
  api = await createTestApi({ aiSyncTimeoutMs: 3000 });
  clusterId = (await api.runningCluster(api.alice)).id;
  const d = await api.call('POST', '/api/deployments', {
    token: api.alice.token,
    body: { name: uniqueName(), replicas: 2, image: 'nginx', container_port: 80 },
  });
  depId = d.body.id as string;
});
afterAll(async () => {
  await api?.close();
});

/** Plays the worker: claims the newest queued ai operation of `kind` and settles it. */
async function settleNext(kind: string, outcome: { result?: Record<string, unknown>; fail?: string }) {
  for (let i = 0; i < 200; i++) {
    const rows = await api.db.sql<{ id: string }[]>`
      select id from operations where kind = ${kind} and status = 'queued' order by created_at desc limit 1`;
    const id = rows[0]?.id;
    if (id) {
      const claim = await claimOperation(api.db.db, id, { leaseMs: 30_000, workerId: 'test' });
      if (claim.outcome !== 'claimed') throw new Error(`claim: ${claim.outcome}`);
      if (outcome.fail) await claim.lease.fail(outcome.fail);
      else await claim.lease.succeed({ message: 'done', result: outcome.result ?? {} });
      return;
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`no queued ${kind}`);
}

describe('AI operations', () => {
  it('deploy: 202 in_progress with deployment_id and operation_id', async () => {
    const chart = await api.call('POST', '/api/helm-charts', {
      token: api.alice.token,
      body: { name: uniqueName('todo-app'), version: '1.0.0' },
    });
    await api.db.sql`update helm_charts set status = 'valid' where id = ${chart.body.id as string}`;
    const r = await api.call('POST', '/api/ai/deploy', {
      token: api.alice.token,
      body: { helm_chart_id: chart.body.id, minikube_cluster_id: clusterId, ai_agent: 'kubectl-ai' },
    });
    expect(r.status).toBe(202);
    expect(r.body).toMatchObject({
      message: 'AI-assisted deployment initiated',
      deployment_id: expect.any(String),
      ai_agent: 'kubectl-ai',
      status: 'in_progress',
    });
    expect(await api.producer.holds('ai.deploy', r.body.operation_id as string)).toBe(true);
  });

  it('scale: 202 with current and target replicas', async () => {
    const r = await api.call('POST', '/api/ai/scale', {
      token: api.alice.token,
      body: { deployment_id: depId, ai_agent: 'kubectl-ai', target_replicas: 5 },
    });
    expect(r.status).toBe(202);
    expect(r.body).toMatchObject({
      message: 'AI-assisted scaling initiated',
      deployment_id: depId,
      current_replicas: 2,
      target_replicas: 5,
      ai_agent: 'kubectl-ai',
    });
    expect(await api.producer.holds('ai.scale', r.body.operation_id as string)).toBe(true);
  });

  it('debug: 200 with the analysis once the worker succeeds (extra result fields pass through)', async () => {
    const [res] = await Promise.all([
      api.call('POST', '/api/ai/debug', {
        token: api.alice.token,
        body: { deployment_id: depId, ai_agent: 'kubectl-ai', issue: 'pod not ready' },
      }),
      settleNext('ai.debug', {
        result: {
          analysis: 'Pod is in CrashLoopBackOff due to missing environment variables',
          recommendations: ['Add missing environment variables to deployment configuration'],
          engine: 'rules',
        },
      }),
    ]);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      message: 'AI-assisted debugging initiated',
      deployment_id: depId,
      ai_agent: 'kubectl-ai',
      analysis: 'Pod is in CrashLoopBackOff due to missing environment variables',
      recommendations: ['Add missing environment variables to deployment configuration'],
      engine: 'rules',
      status: 'completed',
      operation_id: expect.any(String),
    });
  });

  it('analyze: 200 with the analysis; a failed analysis is 200 with status failed and error', async () => {
    const [ok] = await Promise.all([
      api.call('POST', '/api/ai/analyze', {
        token: api.alice.token,
        body: { minikube_cluster_id: clusterId, ai_agent: 'kagent', analysis_type: 'resource-optimization' },
      }),
      settleNext('ai.analyze', {
        result: {
          analysis: {
            resource_utilization: { cpu: '65%', memory: '45%' },
            recommendations: ['Increase CPU limits'],
          },
        },
      }),
    ]);
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({
      message: 'AI-assisted cluster analysis completed',
      minikube_cluster_id: clusterId,
      ai_agent: 'kagent',
      analysis: {
        resource_utilization: { cpu: '65%', memory: '45%' },
        recommendations: ['Increase CPU limits'],
      },
    });
    const [failed] = await Promise.all([
      api.call('POST', '/api/ai/analyze', {
        token: api.alice.token,
        body: { minikube_cluster_id: clusterId },
      }),
      settleNext('ai.analyze', { fail: 'metrics-server unavailable' }),
    ]);
    expect(failed.status).toBe(200);
    expect(failed.body).toMatchObject({ status: 'failed', error: 'metrics-server unavailable' });
  });
});
