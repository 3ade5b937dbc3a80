import {
  type Cluster,
  clusters,
  type Deployment,
  deployments,
  helmCharts,
  type Operation,
  services,
  type Tx,
} from '@slipway/db';
import { and, eq, isNull, sql } from 'drizzle-orm';
import { assertCanWrite, ownerFilter } from './access.ts';
import type { Actor, CoreDeps } from './deps.ts';
import { conflict, DomainError, invalidField, notFound } from './errors.ts';
import { assertTenantNamespace } from './kube-contexts.ts';
import { assertTenancy, defaultNamespace } from './namespaces.ts';
import { insertOperation, type OperationOf } from './operations/record.ts';
import type { Page, PageQuery } from './pagination.ts';
import { movableTo } from './resources.ts';
import { listRows, orDuplicate, withOperations } from './shared.ts';
import { deploymentMachine } from './status/deployment.ts';
import { assertTransition } from './status/machine.ts';

export type CreateDeploymentInput = {
  name: string;
  replicas: number;
  image: string;
  containerPort: number;
  helmChartId?: string | null | undefined;
  minikubeClusterId?: string | null | undefined;
  namespace?: string | undefined;
};
export type UpdateDeploymentInput = {
  replicas?: number | undefined;
  image?: string | undefined;
  containerPort?: number | undefined;
};

/**
 * The status poll's query, built once per pool (drizzle's query building was ~10% of the API's CPU
 * under a poll load): the same WHERE as ownerFilter gives, the owner as a parameter.
 */
function findQueries(db: CoreDeps['db']) {
  const id = sql.placeholder('id');
  const base = and(eq(deployments.id, id), isNull(deployments.deletedAt));
  return {
    any: db.select().from(deployments).where(base).prepare('find_deployment_any'),
    owned: db
      .select()
      .from(deployments)
      .where(and(base, eq(deployments.ownerId, sql.placeholder('owner'))))
      .prepare('find_deployment_owned'),
  };
}
const prepared = new WeakMap<CoreDeps['db'], ReturnType<typeof findQueries>>();

export async function findDeployment(deps: CoreDeps, actor: Actor, id: string): Promise<Deployment> {
  let q = prepared.get(deps.db);
  if (!q) {
    q = findQueries(deps.db);
    prepared.set(deps.db, q);
  }
  // ownerFilter: admins see every row, everyone else their own.
  const [row] =
    actor.role === 'admin' ? await q.any.execute({ id }) : await q.owned.execute({ id, owner: actor.id });
  if (!row) throw notFound(id);
  return row;
}

/**
 * The target cluster: the given one (it must be visible and running), or else the caller's single
 * running cluster (422 when there is none or more than one).
 */
export async function resolveTargetCluster(
  deps: CoreDeps,
  actor: Actor,
  clusterId: string | null | undefined,
): Promise<Cluster> {
  if (clusterId) {
    const [c] = await deps.db
      .select()
      .from(clusters)
      .where(
        and(eq(clusters.id, clusterId), isNull(clusters.deletedAt), ownerFilter(actor, clusters.ownerId)),
      );
    if (!c) throw invalidField('minikube_cluster_id', 'cluster not found');
    if (c.status !== 'running')
      throw new DomainError('conflict', `Cluster ${c.name} is ${c.status}; start it first`, { id: c.id });
    return c;
  }
  const running = await deps.db
    .select()
    .from(clusters)
    .where(and(eq(clusters.ownerId, actor.id), eq(clusters.status, 'running'), isNull(clusters.deletedAt)))
    .limit(2);
  if (running.length !== 1 || !running[0]) {
    throw invalidField(
      'minikube_cluster_id',
      running.length === 0
        ? 'no running cluster: start one or pass minikube_cluster_id'
        : 'several running clusters: pass minikube_cluster_id',
    );
  }
  return running[0];
}

/**
 * The cluster row, read FOR SHARE inside the transaction that records a desired-state change: a
 * concurrent stop, restart or delete (an UPDATE of the row) waits until this transaction commits, and
 * one that committed first is seen here. So no change is queued against a cluster that stopped between
 * the check and the write. `running`: the cluster must be running (409 otherwise).
 */
export async function lockCluster(
  tx: Tx,
  clusterId: string,
  resourceId: string,
  running = true,
): Promise<Cluster> {
  const [cluster] = await tx.select().from(clusters).where(eq(clusters.id, clusterId)).for('share');
  if (!cluster || cluster.deletedAt)
    throw new DomainError('conflict', "The deployment's cluster no longer exists", { id: resourceId });
  if (running && cluster.status !== 'running')
    throw new DomainError('conflict', `Cluster ${cluster.name} is ${cluster.status}; start it first`, {
      id: resourceId,
    });
  return cluster;
}

export async function assertChartVisible(
  deps: CoreDeps,
  actor: Actor,
  chartId: string,
  field = 'helm_chart_id',
) {
  const [c] = await deps.db
    .select()
    .from(helmCharts)
    .where(
      and(eq(helmCharts.id, chartId), isNull(helmCharts.deletedAt), ownerFilter(actor, helmCharts.ownerId)),
    );
  if (!c) throw invalidField(field, 'helm chart not found');
  return c;
}

export async function insertDeployment(
  tx: Tx,
  deps: CoreDeps,
  actor: Actor,
  cluster: Cluster,
  input: CreateDeploymentInput,
  op: OperationOf<'deployment.apply' | 'ai.deploy'>,
): Promise<{ deployment: Deployment; operation: Operation }> {
  const [deployment] = await tx
    .insert(deployments)
    .values({
      ownerId: actor.id,
      clusterId: cluster.id,
      namespace: input.namespace ?? defaultNamespace(actor.id),
      name: input.name,
      replicas: input.replicas,
      image: input.image,
      containerPort: input.containerPort,
      helmChartId: input.helmChartId ?? null,
      status: 'pending',
      driver: deps.driver.workloads,
    })
    .returning();
  if (!deployment) throw new Error('insert returned nothing');
  const operation = await insertOperation(tx, {
    ownerId: actor.id,
    resourceType: 'deployment',
    resourceId: deployment.id,
    ...op,
  });
  return { deployment, operation };
}

/** The live deployment holding cluster + namespace + name (their unique index), for the 409 of a duplicate. */
export const deploymentNameHolder = (clusterId: string, namespace: string, name: string) => ({
  table: deployments,
  match: [
    eq(deployments.clusterId, clusterId),
    eq(deployments.namespace, namespace),
    eq(deployments.name, name),
  ],
});

export async function createDeployment(
  deps: CoreDeps,
  actor: Actor,
  input: CreateDeploymentInput,
): Promise<{ deployment: Deployment; operation: Operation }> {
  assertCanWrite(actor);
  // No namespace: the owner's own (slipway-u-<id>); any other must be assigned to the owner (403).
  const namespace = input.namespace ?? defaultNamespace(actor.id);
  assertTenantNamespace(namespace);
  const target = await resolveTargetCluster(deps, actor, input.minikubeClusterId);
  if (input.helmChartId) await assertChartVisible(deps, actor, input.helmChartId);
  const out = await orDuplicate(
    deps,
    () =>
      withOperations(deps, async (tx) => {
        // Checked again under the row lock, with the write: the cluster may have stopped meanwhile.
        const cluster = await lockCluster(tx, target.id, target.id);
        await assertTenancy(tx, actor.id, cluster, namespace);
        const r = await insertDeployment(
          tx,
          deps,
          actor,
          cluster,
          { ...input, namespace },
          {
            kind: 'deployment.apply',
            input: { generation: 1 },
          },
        );
        return { ...r, operations: [r.operation] };
      }),
    deploymentNameHolder(target.id, namespace, input.name),
  );
  return { deployment: out.deployment, operation: out.operation };
}

export const getDeployment = findDeployment;

export function listDeployments(deps: CoreDeps, actor: Actor, q: PageQuery): Promise<Page<Deployment>> {
  return listRows<Deployment>(deps, actor, deployments, q);
}

/**
 * A desired-state change: the row takes the new spec and a new generation at once, and an operation
 * applies it. Several changes may queue up; each applies the row's latest spec, so the latest wins.
 */
async function changeDesiredState(
  deps: CoreDeps,
  actor: Actor,
  id: string,
  set: { replicas?: number; image?: string; containerPort?: number },
  status: 'scaling' | 'updating',
  kind: 'deployment.apply' | 'deployment.scale' | 'ai.scale',
  opInput: { aiAgent?: string } = {},
): Promise<{ before: Deployment; deployment: Deployment; operation: Operation }> {
  assertCanWrite(actor);
  const before = await findDeployment(deps, actor, id);
  assertTransition(deploymentMachine, 'deployment', id, before.status, status);
  const out = await withOperations(deps, async (tx) => {
    // The cluster check and the tenancy check run in the transaction that moves the status, under a
    // share lock on the cluster row (a stop committed before is seen; one after waits for this).
    const cluster = await lockCluster(tx, before.clusterId, id);
    await assertTenancy(tx, before.ownerId, cluster, before.namespace);
    // Compare-and-set through the machine: the row moves only from a status that may move to `status`.
    const [deployment] = await tx
      .update(deployments)
      .set({
        ...set,
        status,
        error: null,
        generation: sql`${deployments.generation} + 1`,
        lastUpdated: new Date(),
      })
      .where(movableTo('deployment', id, status))
      .returning();
    if (!deployment) throw conflict(id, `Deployment changed concurrently; cannot move it to '${status}'`);
    const operation = await insertOperation(tx, {
      ownerId: before.ownerId,
      kind,
      resourceType: 'deployment',
      resourceId: id,
      input: { generation: deployment.generation, ...opInput },
    });
    return { deployment, operation, operations: [operation] };
  });
  return { before, deployment: out.deployment, operation: out.operation };
}

export async function updateDeployment(
  deps: CoreDeps,
  actor: Actor,
  id: string,
  input: UpdateDeploymentInput,
) {
  const set: { replicas?: number; image?: string; containerPort?: number } = {};
  if (input.replicas !== undefined) set.replicas = input.replicas;
  if (input.image !== undefined) set.image = input.image;
  if (input.containerPort !== undefined) set.containerPort = input.containerPort;
  const onlyReplicas = set.image === undefined && set.containerPort === undefined;
  return changeDesiredState(
    deps,
    actor,
    id,
    set,
    onlyReplicas ? 'scaling' : 'updating',
    onlyReplicas ? 'deployment.scale' : 'deployment.apply',
  );
}

export async function scaleDeployment(
  deps: CoreDeps,
  actor: Actor,
  id: string,
  replicas: number,
  via: 'api' | 'ai' = 'api',
  opInput: { aiAgent?: string } = {},
) {
  return changeDesiredState(
    deps,
    actor,
    id,
    { replicas },
    'scaling',
    via === 'ai' ? 'ai.scale' : 'deployment.scale',
    opInput,
  );
}

/** Deletes the deployment and the services that follow it; the teardown continues as operations. */
export async function deleteDeployment(
  deps: CoreDeps,
  actor: Actor,
  id: string,
): Promise<{ operation: Operation }> {
  assertCanWrite(actor);
  const cur = await findDeployment(deps, actor, id);
  const out = await withOperations(deps, async (tx) => {
    // A delete needs no running cluster, but the owner must still hold the context and namespace: after a
    // withdrawal the namespace may be someone else's, and deleting by name would delete their workload.
    const [cluster] = await tx.select().from(clusters).where(eq(clusters.id, cur.clusterId)).for('share');
    if (cluster && !cluster.deletedAt) await assertTenancy(tx, cur.ownerId, cluster, cur.namespace);
    const now = new Date();
    const [gone] = await tx
      .update(deployments)
      .set({ deletedAt: now, lastUpdated: now })
      .where(and(eq(deployments.id, id), isNull(deployments.deletedAt)))
      .returning({ id: deployments.id });
    if (!gone) throw notFound(id);
    const ops: Operation[] = [];
    const svcs = await tx
      .update(services)
      .set({ deletedAt: now, lastUpdated: now })
      .where(and(eq(services.deploymentId, id), isNull(services.deletedAt)))
      .returning();
    for (const s of svcs) {
      ops.push(
        await insertOperation(tx, {
          ownerId: s.ownerId,
          kind: 'service.delete',
          resourceType: 'service',
          resourceId: s.id,
        }),
      );
    }
    const op = await insertOperation(tx, {
      ownerId: cur.ownerId,
      kind: 'deployment.delete',
      resourceType: 'deployment',
      resourceId: id,
    });
    ops.unshift(op);
    return { operation: op, operations: ops };
  });
  return { operation: out.operation };
}

export async function loadDeploymentForWorker(deps: CoreDeps, id: string): Promise<Deployment | null> {
  const [row] = await deps.db.select().from(deployments).where(eq(deployments.id, id));
  return row ?? null;
}

/** Worker side: the live deployments of one cluster (AI analyze). */
export async function listDeploymentsOnCluster(deps: CoreDeps, clusterId: string): Promise<Deployment[]> {
  return deps.db
    .select()
    .from(deployments)
    .where(and(eq(deployments.clusterId, clusterId), isNull(deployments.deletedAt)));
}
