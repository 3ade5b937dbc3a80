// What a cluster's stop, restart or deletion means for the deployments and services on it: while the
// cluster is stopped (or gone) nothing observes them, so their last observed status (`running`,
// `active`) would be a claim nobody checks. They move to `unknown` with the reason, in the same
// transaction that settles the cluster, and each gets an event on its own stream. When the cluster
// runs again, each `unknown` one is observed again by an operation of its own (deployment.observe,
// service.observe), which sets whatever the driver then sees.
import {
  clusters,
  deployments,
  type Operation,
  operationEvents,
  operations,
  services,
  type Tx,
} from '@slipway/db';
import { and, eq, isNull, sql } from 'drizzle-orm';
import { notifyOnCommit } from './operations/notices.ts';

export type WorkloadCause = 'cluster.stop' | 'cluster.restart' | 'cluster.delete' | 'cluster.not_running';

export type UnknownWorkloads = { deployments: string[]; services: string[] };

/**
 * Inside the caller's transaction: every live deployment and service of the cluster moves to `unknown`
 * with `reason` (deployments: 0 available replicas, since nothing is observed to be available), and
 * each gets a recorded, already-finished operation (`deployment.observe` / `service.observe`, input
 * `cause`) whose one event says why, so resource streams (GET /api/events?resource_id=) see it.
 * `deletedAt`: the rows are soft-deleted with their cluster in the same statement.
 */
export async function markClusterWorkloadsUnknown(
  tx: Tx,
  cluster: { id: string },
  cause: WorkloadCause,
  reason: string,
  opts: { deletedAt?: Date } = {},
): Promise<UnknownWorkloads> {
  const gone = opts.deletedAt ? { deletedAt: opts.deletedAt } : {};
  const deps = await tx
    .update(deployments)
    .set({ status: 'unknown', reason, availableReplicas: 0, lastUpdated: sql`now()`, ...gone })
    .where(and(eq(deployments.clusterId, cluster.id), isNull(deployments.deletedAt)))
    .returning({ id: deployments.id, ownerId: deployments.ownerId, name: deployments.name });
  const svcs = await tx
    .update(services)
    .set({ status: 'unknown', reason, lastUpdated: sql`now()`, ...gone })
    .where(and(eq(services.clusterId, cluster.id), isNull(services.deletedAt)))
    .returning({ id: services.id, ownerId: services.ownerId, name: services.name });
  await recordFinished(
    tx,
    [
      ...deps.map((d) => ({
        ...d,
        kind: 'deployment.observe' as const,
        type: 'deployment' as const,
        message: `deployment ${d.name}: status unknown (${reason})`,
      })),
      ...svcs.map((s) => ({
        ...s,
        kind: 'service.observe' as const,
        type: 'service' as const,
        message: `service ${s.name}: status unknown (${reason})`,
      })),
    ],
    cause,
    reason,
  );
  return { deployments: deps.map((d) => d.id), services: svcs.map((s) => s.id) };
}

type Recorded = {
  id: string;
  ownerId: string;
  kind: 'deployment.observe' | 'service.observe';
  type: 'deployment' | 'service';
  message: string;
};

/** One succeeded operation per resource, with its event and its notification, in three statements. */
async function recordFinished(tx: Tx, rows: Recorded[], cause: WorkloadCause, reason: string): Promise<void> {
  if (rows.length === 0) return;
  const now = sql`now()`;
  const ops = await tx
    .insert(operations)
    .values(
      rows.map((r) => ({
        ownerId: r.ownerId,
        kind: r.kind,
        resourceType: r.type,
        resourceId: r.id,
        status: 'succeeded' as const,
        progress: 100,
        input: { cause },
        result: { status: 'unknown', reason },
        startedAt: now,
        finishedAt: now,
      })),
    )
    .returning({ id: operations.id, resourceId: operations.resourceId });
  const message = new Map(rows.map((r) => [r.id, r.message]));
  await tx.insert(operationEvents).values(
    ops.map((o) => ({
      operationId: o.id,
      status: 'succeeded',
      message: message.get(o.resourceId) ?? reason,
    })),
  );
  await notifyOnCommit(
    tx,
    ops.map((o) => o.id),
  );
}

/**
 * Inside the transaction of a settlement that would say `running`/`active` (a rollout or an
 * observation that finished): if the cluster is not running by then (its stop began while the rollout
 * was in flight), the workload is `unknown` instead, with the reason and its event, as if it had been
 * there when the stop settled. Same transaction, so the claim and the correction commit together.
 */
export async function unknownUnlessClusterRuns(
  tx: Tx,
  type: 'deployment' | 'service',
  id: string,
): Promise<void> {
  const at = sql`to_char(now() at time zone 'utc', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
  const reason = sql`format('cluster %s was %s at %s; not observed since', c.name, c.status, ${at})`;
  const rows = (type === 'deployment'
    ? await tx.execute(sql`
          update ${deployments} w set status = 'unknown', available_replicas = 0, reason = ${reason}, last_updated = now()
          from ${clusters} c
          where w.id = ${id} and w.deleted_at is null and w.status = 'running'
            and c.id = w.cluster_id and c.status <> 'running'
          returning w.id, w.owner_id as "ownerId", w.name, w.reason`)
    : await tx.execute(sql`
          update ${services} w set status = 'unknown', reason = ${reason}, last_updated = now()
          from ${clusters} c
          where w.id = ${id} and w.deleted_at is null and w.status = 'active'
            and c.id = w.cluster_id and c.status <> 'running'
          returning w.id, w.owner_id as "ownerId", w.name, w.reason`)) as unknown as {
    id: string;
    ownerId: string;
    name: string;
    reason: string;
  }[];
  const row = rows[0];
  if (!row) return;
  await recordFinished(
    tx,
    [
      {
        ...row,
        kind: `${type}.observe`,
        type,
        message: `${type} ${row.name}: status unknown (${row.reason})`,
      },
    ],
    'cluster.not_running',
    row.reason,
  );
}

/**
 * Inside the transaction that settles the cluster as running: one queued observe operation per live
 * `unknown` deployment and service of the cluster (the caller dispatches them after commit; should that
 * fail, the reconciler enqueues queued operations Redis does not hold).
 */
export async function queueClusterObservations(
  tx: Tx,
  cluster: { id: string; name: string },
  cause: 'cluster.start' | 'cluster.restart',
): Promise<Operation[]> {
  const deps = await tx
    .select({ id: deployments.id, ownerId: deployments.ownerId, name: deployments.name })
    .from(deployments)
    .where(
      and(
        eq(deployments.clusterId, cluster.id),
        isNull(deployments.deletedAt),
        eq(deployments.status, 'unknown'),
      ),
    );
  const svcs = await tx
    .select({ id: services.id, ownerId: services.ownerId, name: services.name })
    .from(services)
    .where(
      and(eq(services.clusterId, cluster.id), isNull(services.deletedAt), eq(services.status, 'unknown')),
    );
  const rows = [
    ...deps.map((d) => ({ ...d, kind: 'deployment.observe' as const, type: 'deployment' as const })),
    ...svcs.map((s) => ({ ...s, kind: 'service.observe' as const, type: 'service' as const })),
  ];
  if (rows.length === 0) return [];
  const ops = await tx
    .insert(operations)
    .values(
      rows.map((r) => ({
        ownerId: r.ownerId,
        kind: r.kind,
        resourceType: r.type,
        resourceId: r.id,
        input: { cause },
      })),
    )
    .returning();
  const byId = new Map(rows.map((r) => [r.id, r]));
  await tx.insert(operationEvents).values(
    ops.map((o) => ({
      operationId: o.id,
      status: 'queued',
      message: `${o.kind} accepted: cluster ${cluster.name} runs again; ${o.resourceType} ${byId.get(o.resourceId)?.name ?? o.resourceId} is observed again`,
    })),
  );
  await notifyOnCommit(
    tx,
    ops.map((o) => o.id),
  );
  return ops;
}
