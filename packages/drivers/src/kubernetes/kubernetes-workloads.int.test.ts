// KubernetesWorkloads against the wire-level Kubernetes fixture (a real HTTP server speaking the REST API).
import { eventually, type K8sFixture, startK8sFixture } from '@slipway/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DriverError } from '../types.ts';
import { KubernetesWorkloads } from './kubernetes-workloads.ts';
import {
  deploymentSpec,
  serviceSpec,
  testCtx,
  uniqueNamespace,
  workloadScenarios,
} from './workloads-scenarios.ts';

let fixture: K8sFixture;
let workloads: KubernetesWorkloads;
const target = () => ({ clusterId: 'c1', name: 'fixture', context: fixture.context });

beforeAll(async () => {
  fixture = await startK8sFixture({ tickMs: 5, progressDeadlineMs: 150 });
  workloads = new KubernetesWorkloads({
    kubeconfigYaml: fixture.kubeconfigYaml,
    pollIntervalMs: 5,
    requestTimeoutMs: 5000,
  });
});
afterAll(async () => {
  await fixture?.close();
});

describe('KubernetesWorkloads against the wire fixture', () => {
  workloadScenarios(
    () => ({ workloads, target: target(), fixture, goodImage: 'nginx:1.27-alpine', timeoutMs: 5000 }),
    uniqueNamespace,
  );

  it('creates a missing namespace and leaves an existing one alone', async () => {
    const ns = uniqueNamespace();
    const d = deploymentSpec(ns, { replicas: 1 });
    await workloads.applyDeployment(target(), d, testCtx());
    expect(fixture.getObject('namespaces', undefined, ns)?.metadata.labels).toEqual({
      'app.kubernetes.io/managed-by': 'slipway',
    });
    await workloads.applyDeployment(target(), deploymentSpec('default', { replicas: 0 }), testCtx());
    expect(fixture.getObject('namespaces', undefined, 'default')?.metadata.labels).toBeUndefined();
  });

  it('a LoadBalancer service becomes active with the ingress address', async () => {
    const d = deploymentSpec(uniqueNamespace(), { replicas: 1 });
    const ctx = testCtx();
    await workloads.applyDeployment(target(), d, ctx);
    const svc = serviceSpec(d, { type: 'LoadBalancer', port: 8080 });
    await workloads.applyService(target(), svc, ctx);
    const obs = await workloads.waitService(target(), svc, ctx, 5000);
    expect(obs.phase).toBe('active');
    expect(obs.ingress?.[0]).toMatch(/^192\.168\.49\.\d+$/);
    const raw = fixture.getObject('services', d.namespace, svc.name);
    expect(raw?.spec).toMatchObject({
      type: 'LoadBalancer',
      selector: { 'slipway.dev/deployment-id': d.id },
      ports: [{ port: 8080, targetPort: 80, protocol: 'TCP' }],
    });
  });

  it('a LoadBalancer without a tunnel stays pending, then fails at the timeout with the reason', async () => {
    const f = await startK8sFixture({ tickMs: 5, loadBalancerIngress: false });
    try {
      const w = new KubernetesWorkloads({ kubeconfigYaml: f.kubeconfigYaml, pollIntervalMs: 5 });
      const t = { clusterId: 'c2', name: 'no-tunnel', context: f.context };
      const d = deploymentSpec(uniqueNamespace(), { replicas: 1 });
      await w.applyDeployment(t, d, testCtx());
      const svc = serviceSpec(d, { type: 'LoadBalancer' });
      await w.applyService(t, svc, testCtx());
      const obs = await w.waitService(t, svc, testCtx(), 200);
      expect(obs).toMatchObject({ phase: 'failed' });
      expect(obs.reason).toMatch(/load-balancer ingress/);
    } finally {
      await f.close();
    }
  });

  it('reports ProgressDeadlineExceeded as failed', async () => {
    const d = deploymentSpec(uniqueNamespace(), { replicas: 1 });
    // ErrImagePull is not a failing reason by itself; the progress deadline is what fails this rollout.
    fixture.crashPodsOf(d.name, 'ErrImagePull');
    await workloads.applyDeployment(target(), d, testCtx());
    const obs = await workloads.waitDeployment(target(), d, testCtx(), 5000);
    expect(obs.phase).toBe('failed');
    expect(obs.reason).toMatch(/^ProgressDeadlineExceeded/);
  });

  it('recovers from a crash when the pods heal (status is re-read, not remembered)', async () => {
    const d = deploymentSpec(uniqueNamespace(), { replicas: 1 });
    fixture.crashPodsOf(d.name, 'CreateContainerConfigError');
    await workloads.applyDeployment(target(), d, testCtx());
    expect((await workloads.waitDeployment(target(), d, testCtx(), 5000)).reason).toMatch(
      /^CreateContainerConfigError/,
    );
    fixture.healPodsOf(d.name);
    // The fixture's kubelet restarts the containers on its next tick; until then the cluster still
    // (truthfully) reports the crash, so re-read until the healed state shows.
    await eventually(
      async () => (await workloads.waitDeployment(target(), d, testCtx(), 500)).phase === 'running',
      10_000,
    );
  });

  it('inspect reports metrics-server usage when metrics.k8s.io is served, null otherwise', async () => {
    const d = deploymentSpec(uniqueNamespace(), { replicas: 2 });
    await workloads.applyDeployment(target(), d, testCtx());
    await workloads.waitDeployment(target(), d, testCtx(), 5000);
    const without = await workloads.inspect(target(), d);
    expect(without.pods.map((p) => p.cpuMillicores)).toEqual([null, null]);
    expect(without.logs).toBeUndefined();
    expect(without.events.map((e) => e.reason)).toEqual(expect.arrayContaining(['Scheduled', 'Started']));
    fixture.setMetrics({ cpu: '12m', memory: '64Mi' });
    try {
      const withMetrics = await workloads.inspect(target(), d);
      expect(withMetrics.pods[0]).toMatchObject({
        cpuMillicores: 12,
        memoryMiB: 64,
        ready: true,
        phase: 'Running',
      });
    } finally {
      fixture.setMetrics(null);
    }
  });

  it('maps injected API failures: 5xx retryable, 409 Conflict retryable, 403 not', async () => {
    const d = deploymentSpec(uniqueNamespace(), { replicas: 1 });
    await workloads.applyDeployment(target(), d, testCtx());
    fixture.failNext(500);
    await expect(workloads.scaleDeployment(target(), d, testCtx())).rejects.toMatchObject({
      code: 'api_unavailable',
      retryable: true,
    });
    fixture.failNext(409);
    await expect(workloads.scaleDeployment(target(), d, testCtx())).rejects.toMatchObject({
      code: 'conflict',
      retryable: true,
    });
    fixture.failNext(403);
    await expect(workloads.scaleDeployment(target(), d, testCtx())).rejects.toMatchObject({
      code: 'forbidden',
      retryable: false,
    });
  });

  it('polls through a transient 503 while waiting', async () => {
    const d = deploymentSpec(uniqueNamespace(), { replicas: 1 });
    await workloads.applyDeployment(target(), d, testCtx());
    fixture.failNext(503, 2);
    const ctx = testCtx();
    expect((await workloads.waitDeployment(target(), d, ctx, 5000)).phase).toBe('running');
    expect(ctx.lines.some((l) => l.includes('injected failure 503'))).toBe(true);
  });

  it('an unknown context is a non-retryable context_not_found', async () => {
    await expect(
      workloads.applyDeployment(
        { clusterId: 'x', name: 'x', context: 'nope' },
        deploymentSpec('default'),
        testCtx(),
      ),
    ).rejects.toMatchObject({ code: 'context_not_found', retryable: false });
  });

  it('honours ctx.signal: an aborted wait throws DriverError aborted', async () => {
    const d = deploymentSpec(uniqueNamespace(), { replicas: 1 });
    fixture.crashPodsOf(d.name, 'ErrImagePull');
    await workloads.applyDeployment(target(), d, testCtx());
    const ac = new AbortController();
    const waiting = workloads.waitDeployment(target(), d, testCtx(ac.signal), 60_000);
    setTimeout(() => ac.abort(), 20);
    const err = await waiting.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DriverError);
    expect(err).toMatchObject({ code: 'aborted', retryable: true });
  });

  it('probe reads /version; a closed server is unreachable and calls fail retryable', async () => {
    expect(await KubernetesWorkloads.probe({ kubeconfigYaml: fixture.kubeconfigYaml })).toEqual({
      reachable: true,
      version: 'v1.31.0',
    });
    const f = await startK8sFixture();
    await f.close();
    const probe = await KubernetesWorkloads.probe({
      kubeconfigYaml: f.kubeconfigYaml,
      requestTimeoutMs: 2000,
    });
    expect(probe.reachable).toBe(false);
    expect(probe.detail).toMatch(/unreachable/);
    const w = new KubernetesWorkloads({ kubeconfigYaml: f.kubeconfigYaml });
    await expect(
      w.applyDeployment(
        { clusterId: 'gone', name: 'gone', context: f.context },
        deploymentSpec('default'),
        testCtx(),
      ),
    ).rejects.toMatchObject({ code: 'unreachable', retryable: true });
  });
});
