// Issue 12 item 17: AI inspections take the operation's cancellation signal. Cancelling an AI debug
// or analyze while its inspection is in flight aborts the request on the wire (the Kubernetes API
// fixture, an LLM endpoint double), and the run gives up its slot at once instead of waiting for the
// request timeout (30 s for the Kubernetes driver, 20 s for the LLM) and finishing a cancelled run.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  type Actor,
  aiAnalyze,
  aiDebug,
  cancelOperation,
  createCluster,
  createDeployment,
  createKubeContext,
  getOperation,
} from '@slipway/core';
import { createSandboxDrivers, type Drivers, KubernetesWorkloads, SandboxChartTool } from '@slipway/drivers';
import { eventually, insertUser, type K8sFixture, startK8sFixture } from '@slipway/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type WorkerHarness } from './test-harness.ts';

/** The worker's run of `operationId` is over (its slot freed), long before any request timeout. */
async function runEnds(h: WorkerHarness) {
  await eventually(async () => h.worker.runner.activeCount === 0, 5_000, 20);
}

describe('cancelling an AI debug while the Kubernetes API is being read', () => {
  let h: WorkerHarness;
  let k8s: K8sFixture;
  let admin: Actor;
  beforeAll(async () => {
    k8s = await startK8sFixture({ context: 'ai-cancel', tickMs: 10 });
    const drivers: Drivers = {
      ...createSandboxDrivers({ timeScale: 0.001 }),
      charts: new SandboxChartTool({ timeScale: 0.001 }),
      workloads: new KubernetesWorkloads({ kubeconfigYaml: k8s.kubeconfigYaml, pollIntervalMs: 10 }),
    };
    h = await startHarness({ ROLLOUT_TIMEOUT_MS: '20000' }, { drivers });
    admin = { id: (await insertUser(h.t.db, 'admin')).id, role: 'admin' };
  }, 60_000);
  afterAll(async () => {
    await h?.close();
    await k8s?.close();
  });

  it('the held snapshot request is aborted on the wire and the operation ends cancelled', async () => {
    await createKubeContext(h.deps, admin, { context: k8s.context, ownerId: h.owner.id });
    const cluster = await createCluster(h.deps, h.owner, {
      name: 'ai-cancel',
      cpus: 2,
      memory: 2048,
      diskSize: 20_000,
      kubernetesVersion: 'v1.30.0',
      kind: 'kubeconfig',
      kubeContext: k8s.context,
    });
    const { deployment, operation } = await createDeployment(h.deps, h.owner, {
      name: 'api',
      replicas: 1,
      image: 'nginx:1.27',
      containerPort: 80,
      minikubeClusterId: cluster.id,
    });
    const applied = await h.settle(operation);
    if (applied.status !== 'succeeded') console.log('APPLY', applied.error);
    expect(applied.status).toBe('succeeded');

    // From now on the API server never answers an events list: the snapshot hangs there.
    k8s.holdMatching((r) => r.method === 'GET' && r.path.endsWith('/events'));
    try {
      const op = await aiDebug(h.deps, h.owner, { deploymentId: deployment.id, aiAgent: 'kubectl-ai' });
      const held = await eventually(
        async () => k8s.requests.find((r) => r.path.endsWith('/events') && r.aborted === false),
        10_000,
        20,
      );
      expect((await getOperation(h.deps, h.owner, op.id)).status).toBe('running');

      expect((await cancelOperation(h.deps, h.owner, op.id)).status).toBe('cancelled');
      await eventually(async () => held.aborted === true, 5_000, 20);
      await runEnds(h);
      expect(await getOperation(h.deps, h.owner, op.id)).toMatchObject({
        status: 'cancelled',
        error: 'cancelled by request',
      });
    } finally {
      k8s.holdMatching(null);
    }
  });

  it('an AI analyze: the node list in flight is aborted the same way', async () => {
    const [cluster] = await h.t.sql<
      { id: string }[]
    >`select id from minikube_clusters where name = 'ai-cancel'`;
    if (!cluster) throw new Error('no cluster');
    k8s.holdMatching((r) => r.method === 'GET' && r.path === '/api/v1/nodes');
    try {
      const op = await aiAnalyze(h.deps, h.owner, {
        minikubeClusterId: cluster.id,
        aiAgent: 'kubectl-ai',
        analysisType: 'resource_utilization',
      });
      const held = await eventually(
        async () => k8s.requests.find((r) => r.path === '/api/v1/nodes' && r.aborted === false),
        10_000,
        20,
      );
      await cancelOperation(h.deps, h.owner, op.id);
      await eventually(async () => held.aborted === true, 5_000, 20);
      await runEnds(h);
      expect((await getOperation(h.deps, h.owner, op.id)).status).toBe('cancelled');
    } finally {
      k8s.holdMatching(null);
    }
  });
});

describe('cancelling an AI debug while the LLM is asked', () => {
  let h: WorkerHarness;
  let llm: Server;
  const calls: { closedUnanswered: boolean | null }[] = [];
  beforeAll(async () => {
    // An OpenAI-compatible endpoint that takes the request and never answers.
    llm = createServer((req, res) => {
      const call = { closedUnanswered: null as boolean | null };
      calls.push(call);
      req.resume();
      res.once('close', () => {
        call.closedUnanswered = !res.writableEnded;
      });
    });
    await new Promise<void>((r) => llm.listen(0, '127.0.0.1', r));
    const { port } = llm.address() as AddressInfo;
    h = await startHarness({ AI_LLM_URL: `http://127.0.0.1:${port}/v1` });
  }, 60_000);
  afterAll(async () => {
    await h?.close();
    llm?.closeAllConnections();
    await new Promise<void>((r) => llm?.close(() => r()));
  });

  it('the chat-completions request is aborted and the operation ends cancelled, not answered by the rules', async () => {
    const cluster = await h.runningCluster('llm-cancel');
    const { deployment, operation } = await createDeployment(h.deps, h.owner, {
      name: 'web',
      replicas: 1,
      image: 'nginx:1.27',
      containerPort: 80,
      minikubeClusterId: cluster.id,
    });
    const applied = await h.settle(operation);
    if (applied.status !== 'succeeded') console.log('APPLY', applied.error);
    expect(applied.status).toBe('succeeded');
    const op = await aiDebug(h.deps, h.owner, { deploymentId: deployment.id, aiAgent: 'built-in' });
    const call = await eventually(async () => calls[0], 10_000, 20);
    expect(call.closedUnanswered).toBeNull();
    await cancelOperation(h.deps, h.owner, op.id);
    await eventually(async () => call.closedUnanswered === true, 5_000, 20);
    await runEnds(h);
    const done = await getOperation(h.deps, h.owner, op.id);
    expect(done).toMatchObject({ status: 'cancelled', result: null });
  });
});
