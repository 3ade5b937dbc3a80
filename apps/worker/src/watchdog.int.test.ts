import { clusterAction, createCluster, createDeployment, getDeployment, getOperation } from '@slipway/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type WorkerHarness } from './test-harness.ts';

describe('watchdog: a run past OPERATION_TIMEOUT_MS lets its lease lapse', () => {
  let h: WorkerHarness;
  beforeAll(async () => {
    h = await startHarness({
      LEASE_MS: '1000',
      OPERATION_TIMEOUT_MS: '1000',
      MAX_OPERATION_ATTEMPTS: '2',
      RECONCILE_INTERVAL_MS: '200',
      // A `slow` image never becomes ready: without the watchdog this would wait for the rollout timeout.
      ROLLOUT_TIMEOUT_MS: '600000',
      SANDBOX_TIME_SCALE: '0.01',
    });
  });
  afterAll(() => h.close());

  it('is re-driven by the reconciler, then failed once its attempts are used up', async () => {
    const c = await createCluster(h.deps, h.owner, {
      name: 'wd',
      cpus: 2,
      memory: 2048,
      diskSize: 10_000,
      kubernetesVersion: 'v1.30.0',
    });
    await h.settle((await clusterAction(h.deps, h.owner, c.id, 'start')).operation);
    const { deployment, operation } = await createDeployment(h.deps, h.owner, {
      name: 'stuck',
      replicas: 1,
      image: 'acme/slow:1',
      containerPort: 80,
      minikubeClusterId: c.id,
    });
    const op = await h.settle(operation, 30_000);
    expect(op.status).toBe('failed');
    expect(op.attempts).toBe(2);
    expect(op.error).toMatch(/lease expired|gave up|giving up/i);
    const events = (await getOperation(h.deps, h.owner, operation.id)).events.map((e) => e.message);
    expect(events.some((m) => /re-driven/.test(m))).toBe(true);
    expect((await getDeployment(h.deps, h.owner, deployment.id)).status).toBe('failed');
  });
});
