import {
  clusterAction,
  createDeployment,
  createService,
  DomainError,
  deleteCluster,
  getDeployment,
  getOperation,
  getService,
  ResourceFollower,
  scaleDeployment,
} from '@slipway/core';
import { createDrivers, type Drivers } from '@slipway/drivers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type WorkerHarness } from './test-harness.ts';

// Issue 12 item 11: a cluster's stop, restart or deletion tells the truth about its workloads.
describe('cluster stop/start/restart/delete: deployments and services say what happened', () => {
  let h: WorkerHarness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h.close());

  /** A running cluster with a 2-replica deployment (running), a crashing one (failed) and a service (active). */
  async function workloads(name: string) {
    const c = await h.runningCluster(name);
    const web = await createDeployment(h.deps, h.owner, {
      name: 'web',
      replicas: 2,
      image: 'docker.io/acme/web:1',
      containerPort: 8000,
      minikubeClusterId: c.id,
    });
    const bad = await createDeployment(h.deps, h.owner, {
      name: 'bad',
      replicas: 1,
      image: 'acme/crash:1',
      containerPort: 80,
      minikubeClusterId: c.id,
    });
    const webOp = await h.settle(web.operation);
    expect(webOp.error).toBeNull();
    expect(webOp.status).toBe('succeeded');
    expect((await h.settle(bad.operation)).status).toBe('failed');
    const svc = await createService(h.deps, h.owner, {
      name: 'web-svc',
      type: 'ClusterIP',
      port: 80,
      targetPort: 8000,
      protocol: 'TCP',
      deploymentId: web.deployment.id,
    });
    expect((await h.settle(svc.operation)).status).toBe('succeeded');
    expect(await getDeployment(h.deps, h.owner, web.deployment.id)).toMatchObject({
      status: 'running',
      availableReplicas: 2,
    });
    expect((await getService(h.deps, h.owner, svc.service.id)).status).toBe('active');
    return { c, web: web.deployment.id, bad: bad.deployment.id, svc: svc.service.id };
  }

  /** The operations of `kind` on a resource, oldest first, with their events (core's getOperation). */
  async function opsOn(resourceId: string, kind: string) {
    const rows = await h.t.sql<{ id: string }[]>`
      select id from operations where resource_id = ${resourceId} and kind = ${kind} order by created_at, id`;
    return Promise.all(rows.map((r) => getOperation(h.deps, h.owner, r.id)));
  }

  /** Waits for every observe operation recorded on the resources and returns the last one of each. */
  async function settleObservations(ids: string[]) {
    const out = [];
    for (const id of ids) {
      const kind = (await opsOn(id, 'deployment.observe')).length ? 'deployment.observe' : 'service.observe';
      const ops = await opsOn(id, kind);
      const last = ops[ops.length - 1];
      if (!last) throw new Error(`no ${kind} on ${id}`);
      out.push(await h.settle(last));
    }
    return out;
  }

  it('stop: running -> unknown (0 available, with the reason and an event on each); start: observed again from the driver', async () => {
    const { c, web, bad, svc } = await workloads('c-truth');
    const follower = new ResourceFollower(h.deps, h.owner, { resourceId: web });
    await follower.init();

    const stop = await clusterAction(h.deps, h.owner, c.id, 'stop');
    expect((await h.settle(stop.operation)).status).toBe('succeeded');

    const d = await getDeployment(h.deps, h.owner, web);
    expect(d).toMatchObject({ status: 'unknown', availableReplicas: 0, replicas: 2 });
    expect(d.reason).toMatch(/^cluster c-truth was stopped at \d{4}-\d\d-\d\dT.*; not observed since$/);
    const s = await getService(h.deps, h.owner, svc);
    expect(s.status).toBe('unknown');
    expect(s.reason).toBe(d.reason);
    // The failed one is not observed either: its last failure stays in `error`, the status says unknown.
    const b = await getDeployment(h.deps, h.owner, bad);
    expect(b).toMatchObject({ status: 'unknown', availableReplicas: 0 });
    expect(b.error).toMatch(/CrashLoopBackOff/);

    // One recorded event per resource, on its own operation (the resource's stream sees it).
    const [rec] = await opsOn(web, 'deployment.observe');
    expect(rec).toMatchObject({ status: 'succeeded', input: { cause: 'cluster.stop' } });
    expect(rec?.events.map((e) => e.message)).toEqual([`deployment web: status unknown (${d.reason})`]);
    expect((await opsOn(svc, 'service.observe'))[0]?.events[0]?.message).toBe(
      `service web-svc: status unknown (${d.reason})`,
    );
    const seen = await follower.read();
    expect(seen).toContainEqual(
      expect.objectContaining({
        event: 'done',
        data: expect.objectContaining({ kind: 'deployment.observe', resource_status: 'unknown' }),
      }),
    );

    // Desired-state changes wait for the cluster (409), as for any stopped cluster.
    const refused = scaleDeployment(h.deps, h.owner, web, 3);
    await expect(refused).rejects.toThrow(DomainError);
    await expect(refused).rejects.toMatchObject({ code: 'conflict', message: /Cluster c-truth is stopped/ });

    const start = await clusterAction(h.deps, h.owner, c.id, 'start');
    expect((await h.settle(start.operation)).status).toBe('succeeded');
    const observed = await settleObservations([web, bad, svc]);
    expect(observed.map((o) => [o.kind, o.status, o.input])).toEqual([
      ['deployment.observe', 'succeeded', { cause: 'cluster.start' }],
      ['deployment.observe', 'succeeded', { cause: 'cluster.start' }],
      ['service.observe', 'succeeded', { cause: 'cluster.start' }],
    ]);
    expect(await getDeployment(h.deps, h.owner, web)).toMatchObject({
      status: 'running',
      availableReplicas: 2,
      reason: null,
      error: null,
    });
    // Observed, not assumed: the crashing image still crashes on the restarted cluster.
    const b2 = await getDeployment(h.deps, h.owner, bad);
    expect(b2).toMatchObject({ status: 'failed', availableReplicas: 0 });
    expect(b2.reason).toMatch(/observed failed after cluster c-truth ran again: .*CrashLoopBackOff/);
    expect(await getService(h.deps, h.owner, svc)).toMatchObject({ status: 'active', reason: null });

    // Running again, a desired-state change is accepted.
    const scaled = await scaleDeployment(h.deps, h.owner, web, 3);
    expect((await h.settle(scaled.operation)).status).toBe('succeeded');
    expect(await getDeployment(h.deps, h.owner, web)).toMatchObject({
      status: 'running',
      availableReplicas: 3,
    });
  });

  it('restart: workloads are unknown while it is down and observed again once it runs', async () => {
    const { c, web, svc } = await workloads('c-restart');
    const restart = await clusterAction(h.deps, h.owner, c.id, 'restart');
    expect((await h.settle(restart.operation)).status).toBe('succeeded');
    const [marked] = await opsOn(web, 'deployment.observe');
    expect(marked?.input).toEqual({ cause: 'cluster.restart' });
    expect(marked?.events[0]?.message).toMatch(
      /status unknown \(cluster c-restart was stopped to restart at /,
    );
    const observed = await settleObservations([web, svc]);
    expect(observed.map((o) => o.status)).toEqual(['succeeded', 'succeeded']);
    expect(await getDeployment(h.deps, h.owner, web)).toMatchObject({
      status: 'running',
      availableReplicas: 2,
      reason: null,
    });
    expect(await getService(h.deps, h.owner, svc)).toMatchObject({ status: 'active', reason: null });
  });

  it('delete: the deployments and services deleted with the cluster are unknown with the reason, not running', async () => {
    const { c, web, svc } = await workloads('c-gone');
    const { operation } = await deleteCluster(h.deps, h.owner, c.id);
    if (operation) expect((await h.settle(operation)).status).toBe('succeeded');
    // Deleted rows are not served (404), so read them as stored.
    const row = async (table: 'deployments' | 'services', id: string) =>
      (
        await h.t.sql<Record<string, unknown>[]>`
          select status::text, reason, deleted_at, ${table === 'deployments' ? h.t.sql`available_replicas` : h.t.sql`null as available_replicas`}
          from ${h.t.sql(table)} where id = ${id}`
      )[0];
    const d = await row('deployments', web);
    expect(d).toMatchObject({ status: 'unknown', available_replicas: 0 });
    expect(d?.deleted_at).not.toBeNull();
    expect(d?.reason).toMatch(/^cluster c-gone was deleted at .*; deleted with it$/);
    const s = await row('services', svc);
    expect(s).toMatchObject({ status: 'unknown', reason: d?.reason });
    expect(s?.deleted_at).not.toBeNull();
    const [rec] = await opsOn(web, 'deployment.observe');
    expect(rec).toMatchObject({ status: 'succeeded', input: { cause: 'cluster.delete' } });
  });
});

describe('a rollout that finishes after its cluster began to stop', () => {
  let h: WorkerHarness;
  // The sandbox's workloads, with the end of a rollout wait held until the test lets it go.
  let release: () => void = () => {};
  let reached: () => void = () => {};
  let held = false;
  beforeAll(async () => {
    const { drivers: sandbox } = await createDrivers({
      mode: 'sandbox',
      sandbox: { timeScale: 0.002, ledgerPath: null },
      buildContextRoot: process.cwd(),
    });
    const gate = () => {
      if (!held) return Promise.resolve();
      reached();
      return new Promise<void>((r) => {
        release = r;
      });
    };
    const inner = sandbox.workloads;
    const waitDeployment: Drivers['workloads']['waitDeployment'] = async (...args) => {
      const obs = await inner.waitDeployment(...args);
      await gate();
      return obs;
    };
    const workloads = new Proxy(inner, {
      get(target, prop) {
        if (prop === 'waitDeployment') return waitDeployment;
        const v: unknown = Reflect.get(target, prop, target);
        return typeof v === 'function' ? v.bind(target) : v;
      },
    });
    h = await startHarness({}, { drivers: { ...sandbox, workloads } });
  });
  afterAll(() => h.close());

  it('settles unknown with the reason, not running on a stopped cluster', async () => {
    const c = await h.runningCluster('c-inflight');
    held = true;
    const inWait = new Promise<void>((r) => {
      reached = r;
    });
    const { deployment, operation } = await createDeployment(h.deps, h.owner, {
      name: 'late',
      replicas: 2,
      image: 'docker.io/acme/web:1',
      containerPort: 8000,
      minikubeClusterId: c.id,
    });
    // The rollout is in its wait (the driver saw it running) when the stop is asked for and completes.
    await inWait;
    const stop = await clusterAction(h.deps, h.owner, c.id, 'stop');
    expect((await h.settle(stop.operation)).status).toBe('succeeded');
    held = false;
    release();
    const settled = await h.settle(operation);
    expect(settled.error).toBeNull();
    expect(settled.status).toBe('succeeded');
    const d = await getDeployment(h.deps, h.owner, deployment.id);
    expect(d).toMatchObject({ status: 'unknown', availableReplicas: 0 });
    expect(d.reason).toMatch(/^cluster c-inflight was stopped at .*; not observed since$/);
    // The stop marked it (it was pending then); the late `running` was corrected in its own commit.
    const recorded = await h.t.sql<{ input: unknown }[]>`
      select input from operations where resource_id = ${deployment.id} and kind = 'deployment.observe'
      order by created_at`;
    expect(recorded.map((r) => r.input)).toEqual([
      { cause: 'cluster.stop' },
      { cause: 'cluster.not_running' },
    ]);
  });
});
