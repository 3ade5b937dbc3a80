import { type Cluster, type ClusterStatus, clusters, type Operation } from '@slipway/db';
import { and, eq, isNull } from 'drizzle-orm';
import { assertCanWrite, ownerFilter } from './access.ts';
import { markClusterWorkloadsUnknown } from './cluster-workloads.ts';
import type { Actor, CoreDeps } from './deps.ts';
import { DomainError, notFound } from './errors.ts';
import { assertKubeContextAssigned } from './kube-contexts.ts';
import { insertOperation } from './operations/record.ts';
import type { Page, PageQuery } from './pagination.ts';
import { listRows, orDuplicate, withOperations } from './shared.ts';
import { clusterMachine } from './status/cluster.ts';
import { allowedFrom } from './status/machine.ts';

export type CreateClusterInput = {
  name: string;
  cpus: number;
  memory: number;
  diskSize: number;
  kubernetesVersion: string;
  kind?: 'minikube' | 'kubeconfig' | undefined;
  kubeContext?: string | null | undefined;
};

export async function findCluster(deps: CoreDeps, actor: Actor, id: string): Promise<Cluster> {
  const [row] = await deps.db
    .select()
    .from(clusters)
    .where(and(eq(clusters.id, id), isNull(clusters.deletedAt), ownerFilter(actor, clusters.ownerId)));
  if (!row) throw notFound(id);
  return row;
}

export async function createCluster(
  deps: CoreDeps,
  actor: Actor,
  input: CreateClusterInput,
): Promise<Cluster> {
  assertCanWrite(actor);
  const kind = input.kind ?? 'minikube';
  // A kubeconfig context is host-global: only one assigned to this owner by an admin (else 403).
  const kubeContext = kind === 'kubeconfig' ? (input.kubeContext ?? input.name) : null;
  if (kubeContext !== null) await assertKubeContextAssigned(deps, actor.id, kubeContext);
  return orDuplicate(
    deps,
    async () => {
      const [row] = await deps.db
        .insert(clusters)
        .values({
          ownerId: actor.id,
          name: input.name,
          kind,
          cpus: input.cpus,
          memory: input.memory,
          diskSize: input.diskSize,
          kubernetesVersion: input.kubernetesVersion,
          // kubeconfig: the assigned context; minikube: none until it starts (the profile, from the id).
          kubeContext,
          // A registered kubeconfig cluster is assumed up; its status is re-read by operations that use it.
          status: kind === 'kubeconfig' ? 'running' : 'stopped',
          driver: deps.driver.clusters,
        })
        .returning();
      if (!row) throw new Error('insert returned nothing');
      return row;
    },
    { table: clusters, match: [eq(clusters.ownerId, actor.id), eq(clusters.name, input.name)] },
  );
}

export const getCluster = findCluster;

export function listClusters(deps: CoreDeps, actor: Actor, q: PageQuery): Promise<Page<Cluster>> {
  return listRows<Cluster>(deps, actor, clusters, q);
}

const actions = {
  start: { to: 'starting', kind: 'cluster.start' },
  stop: { to: 'stopping', kind: 'cluster.stop' },
  restart: { to: 'restarting', kind: 'cluster.restart' },
} as const;
export type ClusterAction = keyof typeof actions;

/** start/stop/restart: a compare-and-set on the cluster's status plus an operation, or 409. */
export async function clusterAction(
  deps: CoreDeps,
  actor: Actor,
  id: string,
  action: ClusterAction,
): Promise<{ cluster: Cluster; operation: Operation }> {
  assertCanWrite(actor);
  const cur = await findCluster(deps, actor, id);
  if (cur.kind === 'kubeconfig') {
    throw new DomainError(
      'conflict',
      `Cluster ${cur.name} is a registered kubeconfig cluster; Slipway cannot ${action} it`,
      { id },
    );
  }
  const { to, kind } = actions[action];
  // Actions start only from settled states; while one runs, the next waits for a settled answer (409).
  const from = allowedFrom(clusterMachine, to).filter(
    (s): s is ClusterStatus => !['starting', 'stopping', 'restarting'].includes(s),
  );
  if (!from.includes(cur.status)) {
    throw new DomainError('conflict', `Cluster is ${cur.status}; cannot ${action}`, { id });
  }
  return withOperations(deps, async (tx) => {
    const [cluster] = await tx
      .update(clusters)
      .set({ status: to, error: null, lastUpdated: new Date() })
      .where(and(eq(clusters.id, id), eq(clusters.status, cur.status), isNull(clusters.deletedAt)))
      .returning();
    if (!cluster) throw new DomainError('conflict', 'Cluster changed concurrently; retry', { id });
    const op = await insertOperation(tx, {
      ownerId: cur.ownerId,
      kind,
      resourceType: 'minikube_cluster',
      resourceId: id,
      input: { from: cur.status },
    });
    return { cluster, operation: op, operations: [op] };
  });
}

/** Deletes the cluster record with its deployments and services; `minikube delete` continues as an operation. */
export async function deleteCluster(
  deps: CoreDeps,
  actor: Actor,
  id: string,
): Promise<{ operation: Operation | null }> {
  assertCanWrite(actor);
  const cur = await findCluster(deps, actor, id);
  return withOperations(deps, async (tx) => {
    const now = new Date();
    const [gone] = await tx
      .update(clusters)
      .set({ deletedAt: now, lastUpdated: now })
      .where(and(eq(clusters.id, id), isNull(clusters.deletedAt)))
      .returning({ id: clusters.id });
    if (!gone) throw notFound(id);
    // Its deployments and services go with the record: `unknown` with the reason (nothing observes
    // them any more), 0 available replicas, each with an event on its own stream.
    await markClusterWorkloadsUnknown(
      tx,
      cur,
      'cluster.delete',
      cur.kind === 'kubeconfig'
        ? `cluster ${cur.name} was unregistered at ${now.toISOString()}; its workloads were left on the cluster and are no longer observed`
        : `cluster ${cur.name} was deleted at ${now.toISOString()}; deleted with it`,
      { deletedAt: now },
    );
    if (cur.kind === 'kubeconfig') return { operation: null, operations: [] };
    const op = await insertOperation(tx, {
      ownerId: cur.ownerId,
      kind: 'cluster.delete',
      resourceType: 'minikube_cluster',
      resourceId: id,
    });
    return { operation: op, operations: [op] };
  });
}

export async function loadClusterForWorker(deps: CoreDeps, id: string): Promise<Cluster | null> {
  const [row] = await deps.db.select().from(clusters).where(eq(clusters.id, id));
  return row ?? null;
}
