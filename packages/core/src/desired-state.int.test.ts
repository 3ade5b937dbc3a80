// Issue 12 item 17: a desired-state change checks the cluster in the transaction that records the
// operation and moves the status (the cluster row read FOR SHARE), so a stop that commits while the
// change is on its way is seen and the change is refused, instead of an operation queued against a
// stopped cluster. Real Postgres: a second connection holds the stop uncommitted while the change runs.
import { clusters, deployments, operations, services } from '@slipway/db';
import { createTestDatabase, eventually, insertUser, type TestDatabase } from '@slipway/testing';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDeployment, scaleDeployment, updateDeployment } from './deployments.ts';
import type { Actor, CoreDeps } from './deps.ts';
import { DomainError } from './errors.ts';
import { defaultNamespace } from './namespaces.ts';
import { createService, updateService } from './services.ts';

let t: TestDatabase;
let deps: CoreDeps;
let actor: Actor;
beforeAll(async () => {
  t = await createTestDatabase();
  deps = {
    db: t.db,
    driver: { images: 'sandbox', clusters: 'sandbox', workloads: 'sandbox', charts: 'sandbox' },
  };
  const u = await insertUser(t.db);
  actor = { id: u.id, role: 'operator' };
});
afterAll(async () => {
  await t?.drop();
});

const rand = () => Math.random().toString(36).slice(2, 8);

/** A running minikube cluster with one running deployment and one active service on it. */
async function fixture() {
  const [cluster] = await t.db
    .insert(clusters)
    .values({
      ownerId: actor.id,
      name: `c-${rand()}`,
      cpus: 2,
      memory: 2048,
      diskSize: 20480,
      kubernetesVersion: 'v1.30.0',
      status: 'running',
      driver: 'sandbox',
    })
    .returning();
  if (!cluster) throw new Error('no cluster');
  const [dep] = await t.db
    .insert(deployments)
    .values({
      ownerId: actor.id,
      clusterId: cluster.id,
      namespace: defaultNamespace(actor.id),
      name: `web-${rand()}`,
      replicas: 1,
      image: 'nginx:1.27',
      containerPort: 80,
      status: 'running',
      driver: 'sandbox',
    })
    .returning();
  if (!dep) throw new Error('no deployment');
  const [svc] = await t.db
    .insert(services)
    .values({
      ownerId: actor.id,
      deploymentId: dep.id,
      clusterId: cluster.id,
      namespace: dep.namespace,
      name: `svc-${rand()}`,
      type: 'ClusterIP',
      port: 80,
      targetPort: 80,
      protocol: 'TCP',
      status: 'active',
      driver: 'sandbox',
    })
    .returning();
  if (!svc) throw new Error('no service');
  return { cluster, dep, svc };
}

/**
 * Runs `change` while another transaction has moved the cluster to `stopping` but not committed yet;
 * commits the stop once `change` is seen waiting on the row lock, then returns how `change` ended.
 */
async function raceWithStop(clusterId: string, change: () => Promise<unknown>) {
  let release!: () => void;
  const released = new Promise<void>((r) => {
    release = r;
  });
  let locked!: () => void;
  const stopHeld = new Promise<void>((r) => {
    locked = r;
  });
  // Another connection of the pool (max 5) than the ones the verb uses while this one waits.
  const stop = t.sql.begin(async (tx) => {
    await tx`update minikube_clusters set status = 'stopping' where id = ${clusterId}`;
    locked();
    await released;
  });
  await stopHeld;
  let settled = false;
  const outcome = change().then(
    (v) => ({ ok: true as const, v }),
    (e: unknown) => ({ ok: false as const, e }),
  );
  void outcome.finally(() => {
    settled = true;
  });
  // The change must wait on the cluster row (the FOR SHARE read) before the stop commits. A change that
  // checks outside its transaction does not wait: it settles here, against the uncommitted stop.
  await eventually(async () => {
    if (settled) return true;
    const [row] = await t.sql<{ n: number }[]>`
      select count(*)::int as n from pg_stat_activity
      where datname = current_database() and wait_event_type = 'Lock' and query ilike '%for share%'`;
    return (row?.n ?? 0) > 0;
  }, 10_000);
  release();
  await stop;
  return outcome;
}

async function operationsOn(resourceId: string) {
  return t.db.select().from(operations).where(eq(operations.resourceId, resourceId));
}

describe('desired-state changes and a concurrent cluster stop', () => {
  it.each([
    [
      'scale a deployment',
      (f: Awaited<ReturnType<typeof fixture>>) => scaleDeployment(deps, actor, f.dep.id, 3),
    ],
    [
      'update a deployment',
      (f: Awaited<ReturnType<typeof fixture>>) =>
        updateDeployment(deps, actor, f.dep.id, { image: 'nginx:1.28' }),
    ],
    [
      'update a service',
      (f: Awaited<ReturnType<typeof fixture>>) => updateService(deps, actor, f.svc.id, { port: 81 }),
    ],
  ])('%s: the stop committed while it waited is seen; 409, nothing queued, nothing moved', async (_, run) => {
    const f = await fixture();
    const out = await raceWithStop(f.cluster.id, () => run(f));
    expect(out.ok).toBe(false);
    if (out.ok) return;
    expect(out.e).toBeInstanceOf(DomainError);
    expect(out.e).toMatchObject({
      code: 'conflict',
      message: `Cluster ${f.cluster.name} is stopping; start it first`,
    });
    expect(await operationsOn(f.dep.id)).toEqual([]);
    expect(await operationsOn(f.svc.id)).toEqual([]);
    const [dep] = await t.db.select().from(deployments).where(eq(deployments.id, f.dep.id));
    expect(dep).toMatchObject({ status: 'running', replicas: 1, image: 'nginx:1.27', generation: 1 });
    const [svc] = await t.db.select().from(services).where(eq(services.id, f.svc.id));
    expect(svc).toMatchObject({ status: 'active', port: 80 });
  });

  it('creating a deployment or a service: refused the same way, no row and no operation left', async () => {
    const f = await fixture();
    const name = `new-${rand()}`;
    const d = await raceWithStop(f.cluster.id, () =>
      createDeployment(deps, actor, {
        name,
        replicas: 1,
        image: 'nginx:1.27',
        containerPort: 80,
        minikubeClusterId: f.cluster.id,
      }),
    );
    expect(d).toMatchObject({ ok: false, e: { code: 'conflict' } });
    expect(await t.db.select().from(deployments).where(eq(deployments.name, name))).toEqual([]);
    await t.db.update(clusters).set({ status: 'running' }).where(eq(clusters.id, f.cluster.id));
    const s = await raceWithStop(f.cluster.id, () =>
      createService(deps, actor, {
        name,
        type: 'ClusterIP',
        port: 80,
        targetPort: 80,
        protocol: 'TCP',
        deploymentId: f.dep.id,
      }),
    );
    expect(s).toMatchObject({ ok: false, e: { code: 'conflict' } });
    expect(await t.db.select().from(services).where(eq(services.name, name))).toEqual([]);
  });

  it('control: without a stop in the way the same change is queued', async () => {
    const f = await fixture();
    const r = await scaleDeployment(deps, actor, f.dep.id, 2);
    expect(r.deployment).toMatchObject({ status: 'scaling', replicas: 2 });
    expect(await operationsOn(f.dep.id)).toHaveLength(1);
  });
});
