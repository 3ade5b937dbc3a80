import { clusterAction, createCluster, createDeployment, createImage, scaleDeployment } from '@slipway/core';
import { testRedisUrl } from '@slipway/testing';
import { QueueEvents } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startHarness, type WorkerHarness } from './test-harness.ts';

describe('runner and BullMQ: what the queue counts say', () => {
  let h: WorkerHarness;
  let events: QueueEvents;
  const failedJobs = new Map<string, string>();
  beforeAll(async () => {
    h = await startHarness({
      // A low started-attempts limit: re-delaying a waiting job a few times would exceed it.
      MAX_STARTED_ATTEMPTS: '3',
      // The first operation's rollout never becomes ready and gives up after ~3 s of real time
      // (sandbox time runs at 0.002: 1500 s of it).
      ROLLOUT_TIMEOUT_MS: '1500000',
      // Keep the reconciler's fallback out of the way: the wake-up must do the work.
      RECONCILE_INTERVAL_MS: '60000',
    });
    const prefix = (h.producer.queue('deployments').opts.prefix ?? 'bull') as string;
    events = new QueueEvents('deployments', {
      connection: { url: testRedisUrl(), maxRetriesPerRequest: null },
      prefix,
    });
    events.on('failed', ({ jobId, failedReason }) => failedJobs.set(jobId, failedReason));
    await events.waitUntilReady();
  });
  afterAll(async () => {
    await events?.close();
    await h?.close();
  });

  it('an operation waiting behind a long one on its resource is not failed by the started-attempts limit', async () => {
    const c = await createCluster(h.deps, h.owner, {
      name: 'q',
      cpus: 2,
      memory: 2048,
      diskSize: 10_000,
      kubernetesVersion: 'v1.30.0',
    });
    await h.settle((await clusterAction(h.deps, h.owner, c.id, 'start')).operation);
    const first = await createDeployment(h.deps, h.owner, {
      name: 'slowpoke',
      replicas: 1,
      image: 'a/slow:1',
      containerPort: 80,
      minikubeClusterId: c.id,
    });
    const second = await scaleDeployment(h.deps, h.owner, first.deployment.id, 2);
    const op1 = await h.settle(first.operation, 30_000);
    const op2 = await h.settle(second.operation, 30_000);
    expect(op1.status).toBe('failed');
    // The second ran its own rollout (which fails the same way), not BullMQ's started-attempts limit.
    expect(op2.error).toMatch(/rollout did not finish/);
    // The second ran after the first, on its first attempt.
    expect(op2.attempts).toBe(1);
    expect(op2.startedAt?.getTime()).toBeGreaterThanOrEqual(op1.finishedAt?.getTime() ?? Infinity);
    await vi.waitFor(() => expect(failedJobs.get(second.operation.id)).toMatch(/rollout did not finish/));
    expect(failedJobs.get(second.operation.id)).not.toMatch(/started more than allowable limit/);
    // The first failed permanently (its rollout): its job ended failed, which the counts show.
    await vi.waitFor(() => expect(failedJobs.get(first.operation.id)).toMatch(/rollout did not finish/));
  });

  it('a permanent failure ends its BullMQ job as failed, so the queue counts show it', async () => {
    const { operation } = await createImage(h.deps, h.owner, {
      name: 'will-fail-build',
      tag: 'v1',
      repository: 'docker.io/acme',
    });
    const op = await h.settle(operation);
    expect(op.status).toBe('failed');
    const q = h.producer.queue('images');
    // Postgres commits first; BullMQ moves the job to failed right after.
    await vi.waitFor(async () => expect(await (await q.getJob(operation.id))?.getState()).toBe('failed'));
    expect((await q.getJob(operation.id))?.failedReason).toBe(op.error);
    expect((await q.getJobCounts('failed')).failed).toBeGreaterThanOrEqual(1);
  });
});
