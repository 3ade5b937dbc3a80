// The worker's AI operations with the agents configured as an operator would (KUBECTL_AI_BIN, KAGENT_URL),
// against the Kubernetes API fixture: kubectl-ai (the executable double) gets a kubeconfig of its own
// switched to the cluster's context, kagent (the A2A double) is asked over JSON-RPC, the result names the
// engine, and a stopped cluster is said to be stopped.
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  aiDebug,
  aiScale,
  clusterAction,
  createCluster,
  createDeployment,
  getOperation,
  updateDeployment,
  waitForOperation,
} from '@slipway/core';
import {
  createSandboxDrivers,
  type Drivers,
  KubernetesWorkloads,
  minikubeProfile,
  SandboxChartTool,
} from '@slipway/drivers';
import {
  type A2AFixture,
  type K8sFixture,
  KUBECTL_AI_DOUBLE,
  startA2AFixture,
  startK8sFixture,
} from '@slipway/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type WorkerHarness } from './test-harness.ts';

describe('worker AI operations with kubectl-ai and kagent configured', () => {
  let h: WorkerHarness;
  let k8s: K8sFixture;
  let a2a: A2AFixture;
  let dir: string;
  const saved = { ...process.env };
  const clusterName = 'slipway-ai';
  let drivers: Drivers;

  beforeAll(async () => {
    k8s = await startK8sFixture({ context: clusterName, tickMs: 10 });
    a2a = await startA2AFixture({ cluster: { server: k8s.url } });
    dir = await mkdtemp(join(tmpdir(), 'slipway-ai-agents-'));
    // What the kubectl-ai process inherits: the provider's key and a Node that strips types.
    process.env.GEMINI_API_KEY = 'test-key';
    process.env.SLIPWAY_FIXTURE_NODE = process.execPath;
    process.env.FAKE_KUBECTL_AI_RECORD = join(dir, 'record.json');
    const sandbox = createSandboxDrivers({ timeScale: 0.001 });
    drivers = {
      ...sandbox,
      charts: new SandboxChartTool({ timeScale: 0.001 }),
      workloads: new KubernetesWorkloads({ kubeconfigYaml: k8s.kubeconfigYaml, pollIntervalMs: 10 }),
    };
    h = await startHarness(
      {
        KUBECTL_AI_BIN: KUBECTL_AI_DOUBLE,
        KUBECONFIG: k8s.kubeconfigPath,
        KAGENT_URL: a2a.url,
        ROLLOUT_TIMEOUT_MS: '20000',
      },
      {
        drivers,
      },
    );
    process.env.DATABASE_URL = 'postgres://secret@db/slipway'; // a worker secret: must not reach kubectl-ai
  }, 60_000);

  afterAll(async () => {
    process.env = saved;
    await h?.close();
    await a2a?.close();
    await k8s?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('kubectl-ai runs on a kubeconfig of its own; kagent answers over A2A; a stopped cluster is stopped', async () => {
    const c = await createCluster(h.deps, h.owner, {
      name: clusterName,
      cpus: 2,
      memory: 4096,
      diskSize: 20_000,
      kubernetesVersion: 'v1.30.0',
    });
    // The cluster's kube context is its minikube profile (from its id): the fixture's context takes that name.
    const kubeconfigYaml = k8s.kubeconfigYaml.replaceAll(clusterName, minikubeProfile(c.id));
    await writeFile(k8s.kubeconfigPath, kubeconfigYaml);
    drivers.workloads = new KubernetesWorkloads({ kubeconfigYaml, pollIntervalMs: 10 });
    expect(
      (await h.settle((await clusterAction(h.deps, h.owner, c.id, 'start')).operation, 30_000)).status,
    ).toBe('succeeded');
    const { deployment, operation } = await createDeployment(h.deps, h.owner, {
      name: 'api',
      replicas: 1,
      image: 'todo/api:1.0.0',
      containerPort: 8080,
      minikubeClusterId: c.id,
    });
    expect((await h.settle(operation, 30_000)).status).toBe('succeeded');
    k8s.crashPodsOf('api', 'CrashLoopBackOff', ['Error: missing required environment variable DATABASE_URL']);
    // Let the fixture's kubelet crash the pod before asking (bounded poll of the API).
    for (let i = 0; i < 200; i++) {
      const list = (await (
        await fetch(`${k8s.url}/api/v1/namespaces/${deployment.namespace}/pods`)
      ).json()) as {
        items: { status?: { containerStatuses?: { state?: { waiting?: { reason?: string } } }[] } }[];
      };
      const crashed = list.items.some((p) =>
        p.status?.containerStatuses?.some((cs) => cs.state?.waiting?.reason === 'CrashLoopBackOff'),
      );
      if (crashed) break;
      await new Promise((r) => setTimeout(r, 20));
    }

    const ask = async (agent: string) => {
      const op = await aiDebug(h.deps, h.owner, {
        deploymentId: deployment.id,
        aiAgent: agent,
        issue: 'pod not ready',
      });
      const done = await waitForOperation(h.deps, op.id, 60_000);
      expect(done.status).toBe('succeeded');
      return done.result as {
        engine: string;
        agent: string;
        analysis: string;
        note?: string;
        root_cause?: { rule: string };
      };
    };

    const k = await ask('kubectl-ai');
    expect(k).toMatchObject({
      engine: 'kubectl-ai',
      agent: 'kubectl-ai',
      root_cause: { rule: 'crash-loop-backoff' },
    });
    expect(k.note).toBeUndefined();
    expect(k.analysis).toMatch(/CrashLoopBackOff/);
    const record = JSON.parse(readFileSync(join(dir, 'record.json'), 'utf8')) as {
      argv: string[];
      envKeys: string[];
    };
    // kubectl-ai inherits the provider's key, not the worker's secrets.
    expect(record.envKeys).toContain('GEMINI_API_KEY');
    expect(record.envKeys.filter((k) => /DATABASE_URL|REDIS_URL|JWT/.test(k))).toEqual([]);
    const kubeconfig = record.argv[record.argv.indexOf('--kubeconfig') + 1] ?? '';
    expect(kubeconfig).not.toBe(k8s.kubeconfigPath);
    expect(existsSync(kubeconfig)).toBe(false); // removed after the run

    const g = await ask('kagent');
    expect(g).toMatchObject({ engine: 'kagent', agent: 'kagent' });
    expect(a2a.requests.at(-1)?.path).toBe('/api/a2a/kagent/k8s-agent/');

    const other = await ask('my-agent');
    expect(other.engine).toBe('rules');

    // AI scale: the plan, with the API server's dry-run answer, is in the operation before the scale.
    k8s.healPodsOf('api');
    const before = k8s.requests.length;
    const scaled = await aiScale(h.deps, h.owner, {
      deploymentId: deployment.id,
      aiAgent: 'kubectl-ai',
      targetReplicas: 2,
    });
    const settled = await h.settle(scaled.operation, 30_000);
    expect(settled.status).toBe('succeeded');
    const scaleCalls = k8s.requests
      .slice(before)
      .filter((r) => r.method === 'PATCH' && r.path.endsWith('/deployments/api/scale'));
    expect(scaleCalls.map((r) => r.query.dryRun ?? 'persist')).toEqual(['All', 'persist']);
    const op = await getOperation(h.deps, h.owner, scaled.operation.id);
    const events = op.events.map((e) => e.message);
    const planAt = events.findIndex((m) => m.startsWith('plan: '));
    expect(planAt).toBeGreaterThanOrEqual(0);
    const plan = JSON.parse(events[planAt]?.slice('plan: '.length) ?? '{}');
    expect(plan).toMatchObject({
      action: 'scale',
      from: 1,
      to: 2,
      ok: true,
      dryRun: { accepted: true, replicas: 2, serverSide: true },
    });
    expect((settled.result as { plan?: unknown }).plan).toEqual(plan);

    // A dry run the API server refuses fails the operation and the scale is never sent.
    const mark = k8s.requests.length;
    k8s.failMatching((r) => r.path.endsWith('/deployments/api/scale') && r.query.dryRun === 'All');
    const refused = await aiScale(h.deps, h.owner, {
      deploymentId: deployment.id,
      aiAgent: 'kubectl-ai',
      targetReplicas: 3,
    });
    const failed = await h.settle(refused.operation, 30_000);
    expect(failed.status).toBe('failed');
    expect(failed.error).toMatch(/the API server refused the scale \(dry run\): .*admission webhook/);
    k8s.failMatching(null);

    // An image change that breaks the rollout: Slipway knows the previous image and offers the rollback.
    k8s.crashPodsOf('api', 'CrashLoopBackOff', ['panic: unknown flag --listen-addr']);
    const changed = await updateDeployment(h.deps, h.owner, deployment.id, { image: 'todo/api:2.0.0' });
    await h.settle(changed.operation, 30_000);
    const after = await ask('my-agent');
    expect(after.analysis).toMatch(
      /failing since the image changed from todo\/api:1\.0\.0 to todo\/api:2\.0\.0 at /,
    );
    expect((after as { actions?: unknown[] }).actions).toContainEqual({
      description: 'Roll back to todo/api:1.0.0',
      method: 'PUT',
      path: `/api/deployments/${deployment.id}`,
      body: { image: 'todo/api:1.0.0' },
    });
    expect(
      k8s.requests
        .slice(mark)
        .filter((r) => r.method === 'PATCH' && r.path.endsWith('/scale') && !r.query.dryRun),
    ).toEqual([]);

    const stop = await clusterAction(h.deps, h.owner, c.id, 'stop');
    expect((await h.settle(stop.operation, 30_000)).status).toBe('succeeded');
    const stopped = await ask('kubectl-ai');
    expect(stopped).toMatchObject({ engine: 'rules', root_cause: { rule: 'cluster-not-running' } });
    expect(stopped.analysis).toMatch(/^Cluster slipway-ai is stopped/);
    expect(stopped.analysis).not.toMatch(/Running and Ready/);
  });
});
