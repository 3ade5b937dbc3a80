import {
  cancelOperation,
  clusterAction,
  createChart,
  createCluster,
  createDeployment,
  createImage,
  createService,
  getChart,
  getCluster,
  getDeployment,
  getImage,
  getOperation,
  getService,
  scaleDeployment,
} from '@slipway/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type WorkerHarness } from './test-harness.ts';

describe('worker: every lifecycle through BullMQ and Postgres on the sandbox driver', () => {
  let h: WorkerHarness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h.close());

  const runningCluster = (name: string) => h.runningCluster(name);

  it('builds an image: building -> built, with size, digest and the build log as events', async () => {
    const { image, operation } = await createImage(h.deps, h.owner, {
      name: 'api',
      tag: 'v1',
      repository: 'docker.io/acme',
      source: { git: 'https://git.example.com/acme/api.git', ref: 'main' },
    });
    expect(image.status).toBe('building');
    const op = await h.settle(operation);
    expect(op.status).toBe('succeeded');
    const built = await getImage(h.deps, h.owner, image.id);
    expect(built.status).toBe('built');
    expect(built.size).toBeGreaterThan(0);
    expect(built.imageId).toMatch(/^sha256:/);
    const full = await getOperation(h.deps, h.owner, operation.id);
    expect(full.events.map((e) => e.message).join('\n')).toMatch(
      /Successfully tagged docker.io\/acme\/api:v1/,
    );
    expect(full.events[0]?.status).toBe('queued');
    expect(full.events.at(-1)?.status).toBe('succeeded');
  });

  it('a failing build ends failed with the engine message, at once (not retried)', async () => {
    const { image, operation } = await createImage(h.deps, h.owner, {
      name: 'will-fail',
      tag: 'v1',
      repository: 'r',
      source: { path: 'app' },
    });
    const op = await h.settle(operation);
    expect(op.status).toBe('failed');
    expect(op.attempts).toBe(1);
    expect(op.error).toMatch(/returned a non-zero code/);
    expect((await getImage(h.deps, h.owner, image.id)).status).toBe('failed');
  });

  it('a transient driver error retries with backoff and then succeeds', async () => {
    const { image, operation } = await createImage(h.deps, h.owner, {
      name: 'flaky-one',
      tag: 'v1',
      repository: 'r',
    });
    const op = await h.settle(operation);
    expect(op.status).toBe('succeeded');
    expect(op.attempts).toBe(2);
    const full = await getOperation(h.deps, h.owner, operation.id);
    expect(full.events.some((e) => /retrying in/.test(e.message))).toBe(true);
    expect((await getImage(h.deps, h.owner, image.id)).status).toBe('built');
  });

  it('validates a chart: validating -> valid, with the validator recorded', async () => {
    const { chart, operation } = await createChart(h.deps, h.owner, {
      name: 'todo-app',
      version: '1.0.0',
      appVersion: '1.0.0',
    });
    expect((await h.settle(operation)).status).toBe('succeeded');
    const c = await getChart(h.deps, h.owner, chart.id);
    expect(c.status).toBe('valid');
    expect(c.validator).toBeTruthy();
  });

  it('cluster: stopped -> starting -> running -> stopping -> stopped; a start while running is a 409', async () => {
    const c = await runningCluster('c-lifecycle');
    expect(c.status).toBe('running');
    await expect(clusterAction(h.deps, h.owner, c.id, 'start')).rejects.toMatchObject({ code: 'conflict' });
    const { cluster, operation } = await clusterAction(h.deps, h.owner, c.id, 'stop');
    expect(cluster.status).toBe('stopping');
    expect((await h.settle(operation)).status).toBe('succeeded');
    expect((await getCluster(h.deps, h.owner, c.id)).status).toBe('stopped');
  });

  it('a cluster that fails to start ends in error with the reason', async () => {
    const c = await createCluster(h.deps, h.owner, {
      name: 'fail-start-1',
      cpus: 2,
      memory: 2048,
      diskSize: 10_000,
      kubernetesVersion: 'v1.30.0',
    });
    const { operation } = await clusterAction(h.deps, h.owner, c.id, 'start');
    expect((await h.settle(operation)).status).toBe('failed');
    const after = await getCluster(h.deps, h.owner, c.id);
    expect(after.status).toBe('error');
    expect(after.error).toBeTruthy();
  });

  it('deployment: pending -> running with available replicas, scale -> running, service -> active', async () => {
    const c = await runningCluster('c-workloads');
    const { deployment, operation } = await createDeployment(h.deps, h.owner, {
      name: 'web',
      replicas: 2,
      image: 'docker.io/acme/web:1',
      containerPort: 8000,
      minikubeClusterId: c.id,
    });
    expect(deployment.status).toBe('pending');
    expect((await h.settle(operation)).status).toBe('succeeded');
    let d = await getDeployment(h.deps, h.owner, deployment.id);
    expect(d).toMatchObject({ status: 'running', availableReplicas: 2 });

    const scaled = await scaleDeployment(h.deps, h.owner, deployment.id, 4);
    expect(scaled.deployment.status).toBe('scaling');
    expect((await h.settle(scaled.operation)).status).toBe('succeeded');
    d = await getDeployment(h.deps, h.owner, deployment.id);
    expect(d).toMatchObject({ status: 'running', availableReplicas: 4, replicas: 4 });

    const svc = await createService(h.deps, h.owner, {
      name: 'web-svc',
      type: 'ClusterIP',
      port: 80,
      targetPort: 8000,
      protocol: 'TCP',
      deploymentId: d.id,
    });
    expect((await h.settle(svc.operation)).status).toBe('succeeded');
    expect((await getService(h.deps, h.owner, svc.service.id)).status).toBe('active');
  });

  it('a crashing deployment ends failed with CrashLoopBackOff and no available replicas', async () => {
    const c = await runningCluster('c-crash');
    const { deployment, operation } = await createDeployment(h.deps, h.owner, {
      name: 'bad',
      replicas: 2,
      image: 'acme/crash:1',
      containerPort: 80,
      minikubeClusterId: c.id,
    });
    const op = await h.settle(operation);
    expect(op.status).toBe('failed');
    expect(op.error).toMatch(/CrashLoopBackOff/);
    expect(await getDeployment(h.deps, h.owner, deployment.id)).toMatchObject({
      status: 'failed',
      availableReplicas: 0,
    });
  });

  it('two scales of one deployment run one after the other, and the latest desired state wins', async () => {
    const c = await runningCluster('c-serial');
    const { deployment, operation } = await createDeployment(h.deps, h.owner, {
      name: 'serial',
      replicas: 1,
      image: 'a/b:1',
      containerPort: 80,
      minikubeClusterId: c.id,
    });
    await h.settle(operation);
    const a = await scaleDeployment(h.deps, h.owner, deployment.id, 3);
    const b = await scaleDeployment(h.deps, h.owner, deployment.id, 5);
    const [oa, ob] = [await h.settle(a.operation), await h.settle(b.operation)];
    expect(oa.status).toBe('succeeded');
    expect(ob.status).toBe('succeeded');
    // Never concurrent: the second started after the first finished.
    expect(ob.startedAt?.getTime()).toBeGreaterThanOrEqual(
      oa.finishedAt?.getTime() ?? Number.POSITIVE_INFINITY,
    );
    expect(await getDeployment(h.deps, h.owner, deployment.id)).toMatchObject({
      status: 'running',
      replicas: 5,
      availableReplicas: 5,
    });
  });

  it('cancelling a queued operation cancels it at once and fails the resource', async () => {
    const c = await runningCluster('c-cancel');
    // A slow rollout keeps the first operation busy, so the second stays queued behind it.
    const first = await createDeployment(h.deps, h.owner, {
      name: 'slowpoke',
      replicas: 1,
      image: 'a/slow:1',
      containerPort: 80,
      minikubeClusterId: c.id,
    });
    const second = await scaleDeployment(h.deps, h.owner, first.deployment.id, 2);
    const cancelled = await cancelOperation(h.deps, h.owner, second.operation.id);
    expect(cancelled.status).toBe('cancelled');
    await cancelOperation(h.deps, h.owner, first.operation.id).catch(() => {});
    const op1 = await h.settle(first.operation);
    expect(op1.status).toBe('cancelled');
    const op2 = await getOperation(h.deps, h.owner, second.operation.id);
    expect(op2.status).toBe('cancelled');
    expect(op2.events.at(-1)?.status).toBe('cancelled');
  });
});
