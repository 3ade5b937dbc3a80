// The scenarios KubernetesWorkloads must pass, shared by the wire-fixture suite and the gated real-cluster
// suite (K8S_INTEGRATION_TESTS=1). Where the fixture can force a failure the real cluster is given an image
// that fails the same way (busybox exits at once -> CrashLoopBackOff; an unresolvable registry ->
// ImagePullBackOff).
import { randomBytes, randomUUID } from 'node:crypto';
import type { K8sFixture } from '@slipway/testing';
import { expect, it } from 'vitest';
import type { ClusterTarget, DeploymentSpec, OpContext, ServiceSpec } from '../types.ts';
import type { KubernetesWorkloads } from './kubernetes-workloads.ts';

export type ScenarioEnv = {
  workloads: KubernetesWorkloads;
  target: ClusterTarget;
  /** Present when running against the wire fixture. */
  fixture?: K8sFixture;
  /** Image that starts and serves. */
  goodImage: string;
  /** Generous on a real cluster, short against the fixture. */
  timeoutMs: number;
};

export function testCtx(signal: AbortSignal = new AbortController().signal): OpContext & { lines: string[] } {
  const lines: string[] = [];
  return { operationId: randomUUID(), attempt: 1, signal, log: (m) => lines.push(m), lines };
}

export function uniqueNamespace(): string {
  return `t-${randomBytes(4).toString('hex')}`;
}

export function deploymentSpec(namespace: string, over: Partial<DeploymentSpec> = {}): DeploymentSpec {
  return {
    id: randomUUID(),
    name: `web-${randomBytes(3).toString('hex')}`,
    namespace,
    replicas: 2,
    image: 'nginx:1.27-alpine',
    containerPort: 80,
    ...over,
  };
}

export function serviceSpec(d: DeploymentSpec, over: Partial<ServiceSpec> = {}): ServiceSpec {
  return {
    id: randomUUID(),
    name: `${d.name}-svc`,
    namespace: d.namespace,
    type: 'ClusterIP',
    port: 80,
    targetPort: d.containerPort,
    protocol: 'TCP',
    deploymentId: d.id,
    deploymentName: d.name,
    ...over,
  };
}

export function workloadScenarios(env: () => ScenarioEnv, namespace: () => string): void {
  it('applies a deployment with server-side apply and waits until it runs', async () => {
    const { workloads, target, fixture, goodImage, timeoutMs } = env();
    const d = deploymentSpec(namespace(), { image: goodImage });
    const ctx = testCtx();
    await workloads.applyDeployment(target, d, ctx);
    const obs = await workloads.waitDeployment(target, d, ctx, timeoutMs);
    expect(obs).toMatchObject({ phase: 'running', desiredReplicas: 2, availableReplicas: 2 });
    const raw = await workloads.readDeployment(target, d);
    expect(raw?.metadata?.labels).toMatchObject({
      'app.kubernetes.io/managed-by': 'slipway',
      'slipway.dev/deployment-id': d.id,
    });
    expect(raw?.spec?.selector?.matchLabels).toEqual({ 'slipway.dev/deployment-id': d.id });
    expect(ctx.lines.some((l) => l.includes('applied deployment'))).toBe(true);
    if (fixture) {
      const apply = fixture.requests.find(
        (r) => r.method === 'PATCH' && r.path.endsWith(`/deployments/${d.name}`),
      );
      expect(apply).toMatchObject({
        contentType: 'application/apply-patch+yaml',
        query: { fieldManager: 'slipway', force: 'true' },
      });
    }
    // Applying the same spec again is a no-op that still settles as running.
    await workloads.applyDeployment(target, d, ctx);
    expect((await workloads.waitDeployment(target, d, ctx, timeoutMs)).phase).toBe('running');
  });

  it('scales up and down through the scale subresource', async () => {
    const { workloads, target, fixture, goodImage, timeoutMs } = env();
    const d = deploymentSpec(namespace(), { image: goodImage, replicas: 1 });
    const ctx = testCtx();
    await workloads.applyDeployment(target, d, ctx);
    expect((await workloads.waitDeployment(target, d, ctx, timeoutMs)).availableReplicas).toBe(1);
    await workloads.scaleDeployment(target, { ...d, replicas: 3 }, ctx);
    expect(await workloads.waitDeployment(target, { ...d, replicas: 3 }, ctx, timeoutMs)).toMatchObject({
      phase: 'running',
      desiredReplicas: 3,
      availableReplicas: 3,
    });
    await workloads.scaleDeployment(target, { ...d, replicas: 1 }, ctx);
    expect(await workloads.waitDeployment(target, { ...d, replicas: 1 }, ctx, timeoutMs)).toMatchObject({
      phase: 'running',
      availableReplicas: 1,
    });
    if (fixture) {
      expect(
        fixture.requests.some((r) => r.path.endsWith(`/deployments/${d.name}/scale`) && r.method === 'PATCH'),
      ).toBe(true);
    }
    // Re-applying after a scale takes .spec.replicas back (force: the apply is authoritative).
    await workloads.applyDeployment(target, { ...d, replicas: 2 }, ctx);
    expect((await workloads.waitDeployment(target, d, ctx, timeoutMs)).desiredReplicas).toBe(2);
  });

  it('reports failed with CrashLoopBackOff and inspect shows pods, events and logs', async () => {
    const { workloads, target, fixture, timeoutMs } = env();
    const d = deploymentSpec(namespace(), {
      image: fixture ? 'ghcr.io/example/broken:1' : 'busybox:1.36',
      replicas: 1,
    });
    fixture?.crashPodsOf(d.name, 'CrashLoopBackOff', ['panic: DATABASE_URL is not set']);
    const ctx = testCtx();
    await workloads.applyDeployment(target, d, ctx);
    const obs = await workloads.waitDeployment(target, d, ctx, timeoutMs);
    expect(obs.phase).toBe('failed');
    expect(obs.reason).toMatch(/^CrashLoopBackOff/);
    expect(obs.availableReplicas).toBe(0);
    const snap = await workloads.inspect(target, d);
    expect(snap.deployment.phase).toBe('failed');
    expect(snap.pods).toHaveLength(1);
    const container = snap.pods[0]?.containers[0];
    expect(container).toMatchObject({
      name: 'app',
      ready: false,
      state: 'waiting',
      reason: 'CrashLoopBackOff',
    });
    expect(container?.restartCount).toBeGreaterThan(0);
    expect(snap.events.some((e) => e.type === 'Warning' && e.reason === 'BackOff')).toBe(true);
    expect(snap.pods[0]?.cpuMillicores ?? null).toBeNull();
    if (fixture) expect(snap.logs).toContain('panic: DATABASE_URL is not set');
  });

  it('reports failed with ImagePullBackOff', async () => {
    const { workloads, target, fixture, timeoutMs } = env();
    const d = deploymentSpec(namespace(), { image: 'registry.invalid/slipway/nope:1', replicas: 1 });
    fixture?.crashPodsOf(d.name, 'ImagePullBackOff');
    const ctx = testCtx();
    await workloads.applyDeployment(target, d, ctx);
    const obs = await workloads.waitDeployment(target, d, ctx, timeoutMs);
    expect(obs.phase).toBe('failed');
    expect(obs.reason).toMatch(/^ImagePullBackOff/);
  });

  it('a ClusterIP service becomes active through ready endpoints; one without pods fails after the timeout', async () => {
    const { workloads, target, goodImage, timeoutMs } = env();
    const d = deploymentSpec(namespace(), { image: goodImage, replicas: 1 });
    const ctx = testCtx();
    await workloads.applyDeployment(target, d, ctx);
    const svc = serviceSpec(d);
    await workloads.applyService(target, svc, ctx);
    const obs = await workloads.waitService(target, svc, ctx, timeoutMs);
    expect(obs.phase).toBe('active');
    expect(obs.clusterIp).toMatch(/^\d+\.\d+\.\d+\.\d+$/);

    const lonely = serviceSpec(deploymentSpec(namespace()), { type: 'NodePort' });
    await workloads.applyService(target, lonely, ctx);
    const pending = await workloads.waitService(target, lonely, ctx, 300);
    expect(pending.phase).toBe('failed');
    expect(pending.reason).toMatch(/no ready endpoints/);
  });

  it('deletes deployments and services; deleting what is absent succeeds', async () => {
    const { workloads, target, goodImage, timeoutMs } = env();
    const d = deploymentSpec(namespace(), { image: goodImage, replicas: 1 });
    const ctx = testCtx();
    await workloads.applyDeployment(target, d, ctx);
    const svc = serviceSpec(d);
    await workloads.applyService(target, svc, ctx);
    await workloads.waitDeployment(target, d, ctx, timeoutMs);
    await workloads.deleteService(target, svc, ctx);
    await workloads.deleteDeployment(target, d, ctx);
    expect((await workloads.waitDeployment(target, d, ctx, timeoutMs)).phase).toBe('absent');
    expect((await workloads.waitService(target, svc, ctx, timeoutMs)).phase).toBe('absent');
    await workloads.deleteDeployment(target, d, ctx);
    await workloads.deleteService(target, svc, ctx);
  });

  it('refuses to delete a same-named deployment that belongs to another Slipway id', async () => {
    const { workloads, target, goodImage } = env();
    const d = deploymentSpec(namespace(), { image: goodImage, replicas: 1 });
    const ctx = testCtx();
    await workloads.applyDeployment(target, d, ctx);
    await expect(workloads.deleteDeployment(target, { ...d, id: randomUUID() }, ctx)).rejects.toMatchObject({
      code: 'conflict',
      retryable: false,
    });
  });

  it('maps 404 from the API to not_found, not retryable', async () => {
    const { workloads, target } = env();
    const d = deploymentSpec(namespace());
    await expect(workloads.scaleDeployment(target, d, testCtx())).rejects.toMatchObject({
      name: 'DriverError',
      code: 'not_found',
      retryable: false,
    });
  });

  it('clusterSnapshot lists node capacity and each workload', async () => {
    const { workloads, target, goodImage, timeoutMs } = env();
    const d = deploymentSpec(namespace(), { image: goodImage, replicas: 1 });
    const ctx = testCtx();
    await workloads.applyDeployment(target, d, ctx);
    await workloads.waitDeployment(target, d, ctx, timeoutMs);
    const snap = await workloads.clusterSnapshot(target, [d]);
    expect(snap.nodes.length).toBeGreaterThan(0);
    expect(snap.nodes[0]?.cpuMillicores).toBeGreaterThan(0);
    expect(snap.nodes[0]?.memoryMiB).toBeGreaterThan(0);
    expect(snap.workloads).toHaveLength(1);
    expect(snap.workloads[0]).toMatchObject({
      name: d.name,
      namespace: d.namespace,
      deployment: { phase: 'running' },
    });
    expect(snap.workloads[0]?.pods[0]?.containers[0]).toMatchObject({ state: 'running', ready: true });
    expect(snap.workloads[0]?.events.some((e) => e.object.startsWith('Pod/'))).toBe(true);
  });
}
