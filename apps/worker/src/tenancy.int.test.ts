// Issue 12 item 1 (tenants): an owner's queued operations are re-checked when they run. An admin who
// withdraws a namespace or a kube context from an owner stops what the owner had queued before: the
// worker refuses it with a clear, permanent failure (one attempt, not retried).
import {
  type Actor,
  assignNamespace,
  createCluster,
  createDeployment,
  createKubeContext,
  deleteKubeContext,
  scaleDeployment,
  withdrawNamespace,
} from '@slipway/core';
import { insertUser } from '@slipway/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type WorkerHarness } from './test-harness.ts';

let h: WorkerHarness;
let admin: Actor;
beforeAll(async () => {
  h = await startHarness();
  admin = { id: (await insertUser(h.t.db, 'admin')).id, role: 'admin' };
}, 60_000);
afterAll(() => h?.close());

const rand = () => Math.random().toString(36).slice(2, 8);
const pause = () => Promise.all(h.worker.workers.map((w) => w.pause()));
const resume = () => {
  for (const w of h.worker.workers) w.resume();
};

describe('withdrawn assignments refuse queued operations', () => {
  it('a namespace withdrawn after a scale was queued: the scale fails at once, saying why', async () => {
    const cluster = await h.runningCluster(`c-${rand()}`);
    const namespace = `team-${rand()}`;
    const a = await assignNamespace(h.deps, admin, { namespace, ownerId: h.owner.id });
    const { deployment, operation } = await createDeployment(h.deps, h.owner, {
      name: 'web',
      replicas: 1,
      image: 'nginx:1.27',
      containerPort: 80,
      minikubeClusterId: cluster.id,
      namespace,
    });
    expect((await h.settle(operation)).status).toBe('succeeded');

    await pause();
    try {
      const queued = await scaleDeployment(h.deps, h.owner, deployment.id, 3);
      await withdrawNamespace(h.deps, admin, a.id);
      resume();
      const done = await h.settle(queued.operation);
      expect(done).toMatchObject({ status: 'failed', attempts: 1 });
      expect(done.error).toBe(
        `Namespace ${namespace} is no longer assigned to the resource's owner; the operation was refused`,
      );
    } finally {
      resume();
    }
  });

  it('a kube context withdrawn after a deployment was queued: the apply fails at once, saying why', async () => {
    const context = `ctx-${rand()}`;
    const kc = await createKubeContext(h.deps, admin, { context, ownerId: h.owner.id });
    const cluster = await createCluster(h.deps, h.owner, {
      name: `kc-${rand()}`,
      cpus: 2,
      memory: 2048,
      diskSize: 20_000,
      kubernetesVersion: 'v1.30.0',
      kind: 'kubeconfig',
      kubeContext: context,
    });
    await pause();
    try {
      const { operation } = await createDeployment(h.deps, h.owner, {
        name: 'api',
        replicas: 1,
        image: 'nginx:1.27',
        containerPort: 80,
        minikubeClusterId: cluster.id,
      });
      await deleteKubeContext(h.deps, admin, kc.id);
      resume();
      const done = await h.settle(operation);
      expect(done).toMatchObject({ status: 'failed', attempts: 1 });
      expect(done.error).toBe(
        `Kube context ${context} is no longer assigned to the resource's owner; the operation was refused`,
      );
    } finally {
      resume();
    }
  });
});
