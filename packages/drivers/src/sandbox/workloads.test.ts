import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DeploymentSpec, PodSnapshot, ServiceSpec } from '../types.ts';
import { readLedger } from './ledger.ts';
import { recordingContext, rejectionOf } from './test-context.ts';
import { SandboxWorkloads } from './workloads.ts';

const fixedNow = Date.UTC(2026, 1, 7, 10, 0, 0);
const fast = { timeScale: 0.001, now: () => fixedNow };
const target = { clusterId: 'cl-1', name: 'local-dev', context: 'local-dev' };
const WAIT = 120_000;

function dep(overrides: Partial<DeploymentSpec> = {}): DeploymentSpec {
  return {
    id: 'dep-1',
    name: 'todo-backend',
    namespace: 'default',
    replicas: 3,
    image: 'docker.io/todo-app/todo-backend:v1',
    containerPort: 8000,
    ...overrides,
  };
}

function svc(overrides: Partial<ServiceSpec> = {}): ServiceSpec {
  return {
    id: 'svc-1',
    name: 'todo-backend-service',
    namespace: 'default',
    type: 'ClusterIP',
    port: 80,
    targetPort: 8000,
    protocol: 'TCP',
    deploymentId: 'dep-1',
    deploymentName: 'todo-backend',
    ...overrides,
  };
}

const cpuOfLimit = (p: PodSnapshot): number => (p.cpuMillicores ?? 0) / (p.cpuLimitMillicores ?? 1);
const memOfLimit = (p: PodSnapshot): number => (p.memoryMiB ?? 0) / (p.memoryLimitMiB ?? 1);

describe('SandboxWorkloads deployments', () => {
  it('rolls out in batches and settles running with every replica available', async () => {
    const ctx = recordingContext();
    const obs = await new SandboxWorkloads(fast).waitDeployment(target, dep({ replicas: 5 }), ctx, WAIT);
    expect(obs).toEqual({ phase: 'running', desiredReplicas: 5, availableReplicas: 5 });
    expect(ctx.lines).toEqual([
      'Waiting for deployment "todo-backend" rollout to finish: 0 of 5 updated replicas are available...',
      'Waiting for deployment "todo-backend" rollout to finish: 2 of 5 updated replicas are available...',
      'Waiting for deployment "todo-backend" rollout to finish: 4 of 5 updated replicas are available...',
      'deployment "todo-backend" successfully rolled out',
    ]);
  });

  it('reports progressing when the rollout needs longer than the timeout', async () => {
    const obs = await new SandboxWorkloads(fast).waitDeployment(
      target,
      dep({ replicas: 8 }),
      recordingContext(),
      2000,
    );
    expect(obs).toEqual({
      phase: 'progressing',
      desiredReplicas: 8,
      availableReplicas: 4,
      reason: 'ReplicaSetUpdated',
    });
  });

  it('settles zero replicas at once', async () => {
    const obs = await new SandboxWorkloads(fast).waitDeployment(
      target,
      dep({ replicas: 0 }),
      recordingContext(),
      WAIT,
    );
    expect(obs).toEqual({ phase: 'running', desiredReplicas: 0, availableReplicas: 0 });
  });

  it('derives healthy pods from the spec with deterministic names and moderate usage', async () => {
    const snap = await new SandboxWorkloads(fast).inspect(target, dep());
    expect(snap.deployment).toEqual({ phase: 'running', desiredReplicas: 3, availableReplicas: 3 });
    expect(snap.pods).toHaveLength(3);
    expect(new Set(snap.pods.map((p) => p.name)).size).toBe(3);
    for (const pod of snap.pods) {
      expect(pod.name).toMatch(
        /^todo-backend-[bcdfghjklmnpqrstvwxz2456789]{10}-[bcdfghjklmnpqrstvwxz2456789]{5}$/,
      );
      expect(pod).toMatchObject({ phase: 'Running', ready: true });
      expect(pod.containers).toEqual([
        { name: 'todo-backend', ready: true, restartCount: 0, state: 'running' },
      ]);
      expect(cpuOfLimit(pod)).toBeGreaterThan(0.1);
      expect(cpuOfLimit(pod)).toBeLessThan(0.5);
      expect(memOfLimit(pod)).toBeLessThan(0.5);
      expect(pod.cpuRequestMillicores).toBeGreaterThan(0);
      expect(pod.memoryRequestMiB).toBeGreaterThan(0);
    }
    expect(snap.events.map((e) => e.reason).slice(0, 6)).toEqual([
      'ScalingReplicaSet',
      'Scheduled',
      'Scheduled',
      'Scheduled',
      'Pulling',
      'Pulling',
    ]);
    expect(snap.events.filter((e) => e.type === 'Warning')).toEqual([]);
    expect(snap.logs).toBeUndefined();
  });

  it('answers the same from two instances and follows replicas and image after a rollout', async () => {
    const a = await new SandboxWorkloads(fast).inspect(target, dep());
    const b = await new SandboxWorkloads(fast).inspect(target, dep());
    expect(b).toEqual(a);
    const scaled = await new SandboxWorkloads(fast).inspect(target, dep({ replicas: 5 }));
    expect(scaled.pods).toHaveLength(5);
    expect(scaled.pods.slice(0, 3).map((p) => p.name)).toEqual(a.pods.map((p) => p.name));
    const rolled = await new SandboxWorkloads(fast).inspect(
      target,
      dep({ image: 'docker.io/todo-app/todo-backend:v2' }),
    );
    expect(rolled.pods[0]?.name.split('-')[2]).not.toBe(a.pods[0]?.name.split('-')[2]);
  });

  it('puts "crash" images in CrashLoopBackOff', async () => {
    const workloads = new SandboxWorkloads(fast);
    const spec = dep({ image: 'todo/crash-app:1' });
    expect(await workloads.waitDeployment(target, spec, recordingContext(), WAIT)).toEqual({
      phase: 'failed',
      desiredReplicas: 3,
      availableReplicas: 0,
      reason: 'CrashLoopBackOff',
    });
    const snap = await workloads.inspect(target, spec);
    for (const pod of snap.pods) {
      expect(pod.ready).toBe(false);
      const c = pod.containers[0];
      expect(c).toMatchObject({ state: 'waiting', reason: 'CrashLoopBackOff', exitCode: 1 });
      expect(c?.restartCount).toBeGreaterThan(0);
    }
    const backoffs = snap.events.filter((e) => e.type === 'Warning' && e.reason === 'BackOff');
    expect(backoffs).toHaveLength(3);
    expect(snap.logs).toContain('Error: missing required environment variable DATABASE_URL');
    expect(snap.deployment.phase).toBe('failed');
  });

  it('fails "missing-env" images with CreateContainerConfigError', async () => {
    const workloads = new SandboxWorkloads(fast);
    const spec = dep({ image: 'todo/missing-env:1' });
    const obs = await workloads.waitDeployment(target, spec, recordingContext(), WAIT);
    expect(obs).toMatchObject({
      phase: 'failed',
      reason: 'CreateContainerConfigError',
      availableReplicas: 0,
    });
    const snap = await workloads.inspect(target, spec);
    expect(snap.pods[0]).toMatchObject({ phase: 'Pending', cpuMillicores: null });
    expect(snap.pods[0]?.containers[0]).toMatchObject({
      reason: 'CreateContainerConfigError',
      message: 'secret "app-env" not found',
    });
    expect(snap.events.some((e) => e.message === 'Error: secret "app-env" not found')).toBe(true);
  });

  it.each(['todo/nonexistent:1', 'todo/app:pull-fail'])('puts %s in ImagePullBackOff', async (image) => {
    const workloads = new SandboxWorkloads(fast);
    const obs = await workloads.waitDeployment(target, dep({ image }), recordingContext(), WAIT);
    expect(obs).toMatchObject({ phase: 'failed', reason: 'ImagePullBackOff' });
    const snap = await workloads.inspect(target, dep({ image }));
    expect(snap.pods[0]?.containers[0]?.reason).toBe('ImagePullBackOff');
    expect(snap.events.some((e) => e.message === 'Error: ErrImagePull')).toBe(true);
  });

  it('never gets "slow" images ready within the timeout', async () => {
    const workloads = new SandboxWorkloads(fast);
    const obs = await workloads.waitDeployment(
      target,
      dep({ image: 'todo/slow-app:1' }),
      recordingContext(),
      5000,
    );
    expect(obs).toEqual({
      phase: 'progressing',
      desiredReplicas: 3,
      availableReplicas: 0,
      reason: 'MinimumReplicasUnavailable',
    });
    const snap = await workloads.inspect(target, dep({ image: 'todo/slow-app:1' }));
    expect(snap.events.some((e) => e.reason === 'Unhealthy')).toBe(true);
  });

  it('runs "hungry" images near their limits', async () => {
    const snap = await new SandboxWorkloads(fast).inspect(target, dep({ image: 'todo/hungry-app:1' }));
    expect(snap.deployment.phase).toBe('running');
    for (const pod of snap.pods) {
      expect(cpuOfLimit(pod)).toBeGreaterThan(0.9);
      expect(memOfLimit(pod)).toBeGreaterThan(0.9);
      expect(cpuOfLimit(pod)).toBeLessThan(1);
    }
  });

  it('snapshots the cluster: one default node and every deployment', async () => {
    const snap = await new SandboxWorkloads(fast).clusterSnapshot(target, [
      dep(),
      dep({ id: 'd2', name: 'web' }),
    ]);
    expect(snap.nodes).toMatchObject([
      { name: 'local-dev', cpuMillicores: 4000, memoryMiB: 8192, ready: true, taints: [] },
    ]);
    expect(snap.workloads.map((w) => [w.name, w.namespace, w.pods.length])).toEqual([
      ['todo-backend', 'default', 3],
      ['web', 'default', 3],
    ]);
  });

  it('applies, scales and deletes with kubectl-like lines and ledger entries', async () => {
    const ledgerPath = join(mkdtempSync(join(tmpdir(), 'sandbox-wl-')), 'ledger.jsonl');
    const workloads = new SandboxWorkloads({ ...fast, ledgerPath });
    const ctx = recordingContext({ operationId: 'op-w' });
    await workloads.applyDeployment(target, dep(), ctx);
    await workloads.scaleDeployment(target, dep({ replicas: 4 }), ctx);
    await workloads.applyService(target, svc(), ctx);
    await workloads.deleteService(target, svc(), ctx);
    await workloads.deleteDeployment(target, dep(), ctx);
    expect(ctx.lines[0]).toBe(
      'deployment.apps/todo-backend serverside-applied (namespace default, context local-dev)',
    );
    expect(readLedger(ledgerPath).map((e) => [e.effect, e.resourceId])).toEqual([
      ['applyDeployment', 'dep-1'],
      ['scaleDeployment', 'dep-1'],
      ['applyService', 'svc-1'],
      ['deleteService', 'svc-1'],
      ['deleteDeployment', 'dep-1'],
    ]);
  });

  it('times out a "transient" apply once after applying it', async () => {
    const ledgerPath = join(mkdtempSync(join(tmpdir(), 'sandbox-wl-')), 'ledger.jsonl');
    const spec = dep({ name: 'transient-api' });
    const err = await rejectionOf(
      new SandboxWorkloads({ ...fast, ledgerPath }).applyDeployment(
        target,
        spec,
        recordingContext({ operationId: 'o' }),
      ),
    );
    expect(err).toMatchObject({ code: 'timeout', retryable: true });
    await new SandboxWorkloads({ ...fast, ledgerPath }).applyDeployment(
      target,
      spec,
      recordingContext({ operationId: 'o', attempt: 2 }),
    );
    expect(readLedger(ledgerPath)).toHaveLength(1);
  });

  it('cancels a wait when the signal aborts', async () => {
    const ctx = recordingContext();
    ctx.log = () => ctx.controller.abort();
    const err = await rejectionOf(
      new SandboxWorkloads({ timeScale: 1 }).waitDeployment(target, dep({ image: 'x/slow:1' }), ctx, 600_000),
    );
    expect(err).toMatchObject({ code: 'cancelled', retryable: false });
  });
});

describe('SandboxWorkloads services', () => {
  it('activates a ClusterIP service with a deterministic cluster IP', async () => {
    const a = await new SandboxWorkloads(fast).waitService(target, svc(), recordingContext(), WAIT);
    const b = await new SandboxWorkloads(fast).waitService(target, svc(), recordingContext(), WAIT);
    expect(a.phase).toBe('active');
    expect(a.clusterIp).toMatch(/^10\.(9[6-9]|10\d|11[01])\.\d+\.\d+$/);
    expect(b).toEqual(a);
  });

  it('gives LoadBalancer services ingress 127.0.0.1', async () => {
    const obs = await new SandboxWorkloads(fast).waitService(
      target,
      svc({ type: 'LoadBalancer' }),
      recordingContext(),
      WAIT,
    );
    expect(obs).toMatchObject({ phase: 'active', ingress: ['127.0.0.1'] });
  });

  it.each(['crash-api', 'missing-env-api', 'nonexistent-api', 'pull-fail-api', 'slow-api'])(
    'keeps a service selecting %s pending with no ready endpoints',
    async (deploymentName) => {
      const obs = await new SandboxWorkloads(fast).waitService(
        target,
        svc({ deploymentName }),
        recordingContext(),
        5000,
      );
      expect(obs).toMatchObject({ phase: 'pending', reason: 'no ready endpoints' });
    },
  );

  it('fails a service whose name contains "fail"', async () => {
    const obs = await new SandboxWorkloads(fast).waitService(
      target,
      svc({ name: 'fail-svc', type: 'LoadBalancer' }),
      recordingContext(),
      WAIT,
    );
    expect(obs.phase).toBe('failed');
    expect(obs.reason).toMatch(/^SyncLoadBalancerFailed/);
  });
});
