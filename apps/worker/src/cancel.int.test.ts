import { cancelOperation, clusterAction, createCluster, createDeployment, getOperation } from '@slipway/core';
import { eventually } from '@slipway/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type WorkerHarness } from './test-harness.ts';

describe('cancelling a running operation', () => {
  let h: WorkerHarness;
  beforeAll(async () => {
    // A long lease: renewals (every 10 s) cannot be what stops the run, only the pub/sub cancel.
    h = await startHarness({ LEASE_MS: '30000', ROLLOUT_TIMEOUT_MS: '600000', SANDBOX_TIME_SCALE: '0.01' });
  });
  afterAll(() => h.close());

  it('aborts the driver call through the cancel announcement; cancelled stays the final word', async () => {
    const c = await createCluster(h.deps, h.owner, {
      name: 'cx',
      cpus: 2,
      memory: 2048,
      diskSize: 10_000,
      kubernetesVersion: 'v1.30.0',
    });
    await h.settle((await clusterAction(h.deps, h.owner, c.id, 'start')).operation);
    const { operation } = await createDeployment(h.deps, h.owner, {
      name: 'forever',
      replicas: 1,
      image: 'acme/slow:1',
      containerPort: 80,
      minikubeClusterId: c.id,
    });
    await eventually(async () => (await getOperation(h.deps, h.owner, operation.id)).status === 'running');
    expect(h.worker.runner.activeCount).toBe(1);
    const cancelled = await cancelOperation(h.deps, h.owner, operation.id);
    expect(cancelled.status).toBe('cancelled');
    await eventually(async () => h.worker.runner.activeCount === 0, 5_000);
    const op = await getOperation(h.deps, h.owner, operation.id);
    expect(op.status).toBe('cancelled');
    expect(op.events.at(-1)?.status).toBe('cancelled');
  });
});
