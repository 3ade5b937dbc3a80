import {
  clusters,
  deployments,
  type Operation,
  type Service,
  type ServiceType,
  services,
  type Tx,
} from '@slipway/db';
import { and, eq, isNull, sql } from 'drizzle-orm';
import { assertCanWrite, ownerFilter } from './access.ts';
import { lockCluster } from './deployments.ts';
import type { Actor, CoreDeps } from './deps.ts';
import { conflict, invalidField, notFound } from './errors.ts';
import { assertTenancy } from './namespaces.ts';
import { insertOperation } from './operations/record.ts';
import type { Page, PageQuery } from './pagination.ts';
import { movableTo } from './resources.ts';
import { listRows, orDuplicate, withOperations } from './shared.ts';
import { assertTransition } from './status/machine.ts';
import { serviceMachine } from './status/service.ts';

export type CreateServiceInput = {
  name: string;
  type: ServiceType;
  port: number;
  targetPort: number;
  protocol: string;
  deploymentId: string;
};
export type UpdateServiceInput = Partial<Omit<CreateServiceInput, 'deploymentId' | 'name'>>;

async function findService(deps: CoreDeps, actor: Actor, id: string): Promise<Service> {
  const [row] = await deps.db
    .select()
    .from(services)
    .where(and(eq(services.id, id), isNull(services.deletedAt), ownerFilter(actor, services.ownerId)));
  if (!row) throw notFound(id);
  return row;
}

/**
 * In the transaction of a service change: the service's cluster locked FOR SHARE and running, its
 * deployment still live (read FOR SHARE), and the deployment owner still holding the cluster's context
 * and the namespace (the namespace is the deployment owner's, whoever made the service: an admin may).
 * The cluster row is locked before the deployment row, in the order a cluster's stop writes them.
 */
async function lockServiceTarget(tx: Tx, deploymentId: string, resourceId: string): Promise<void> {
  const live = and(eq(deployments.id, deploymentId), isNull(deployments.deletedAt));
  const [where] = await tx.select({ clusterId: deployments.clusterId }).from(deployments).where(live);
  if (!where) throw conflict(resourceId, "The service's deployment no longer exists");
  const cluster = await lockCluster(tx, where.clusterId, resourceId);
  const [dep] = await tx
    .select({ ownerId: deployments.ownerId, namespace: deployments.namespace })
    .from(deployments)
    .where(live)
    .for('share');
  if (!dep) throw conflict(resourceId, "The service's deployment no longer exists");
  await assertTenancy(tx, dep.ownerId, cluster, dep.namespace);
}

/** A service follows its deployment: same cluster, same namespace. */
export async function createService(
  deps: CoreDeps,
  actor: Actor,
  input: CreateServiceInput,
): Promise<{ service: Service; operation: Operation }> {
  assertCanWrite(actor);
  const [dep] = await deps.db
    .select()
    .from(deployments)
    .where(
      and(
        eq(deployments.id, input.deploymentId),
        isNull(deployments.deletedAt),
        ownerFilter(actor, deployments.ownerId),
      ),
    );
  if (!dep) throw invalidField('deployment_id', 'deployment not found');
  const out = await orDuplicate(
    deps,
    () =>
      withOperations(deps, async (tx) => {
        await lockServiceTarget(tx, dep.id, dep.id);
        const [service] = await tx
          .insert(services)
          .values({
            ownerId: actor.id,
            deploymentId: dep.id,
            clusterId: dep.clusterId,
            namespace: dep.namespace,
            name: input.name,
            type: input.type,
            port: input.port,
            targetPort: input.targetPort,
            protocol: input.protocol,
            status: 'pending',
            driver: deps.driver.workloads,
          })
          .returning();
        if (!service) throw new Error('insert returned nothing');
        const op = await insertOperation(tx, {
          ownerId: actor.id,
          kind: 'service.apply',
          resourceType: 'service',
          resourceId: service.id,
          input: { generation: 1 },
        });
        return { service, operation: op, operations: [op] };
      }),
    {
      table: services,
      match: [
        eq(services.clusterId, dep.clusterId),
        eq(services.namespace, dep.namespace),
        eq(services.name, input.name),
      ],
    },
  );
  return { service: out.service, operation: out.operation };
}

export const getService = findService;

export function listServices(deps: CoreDeps, actor: Actor, q: PageQuery): Promise<Page<Service>> {
  return listRows<Service>(deps, actor, services, q);
}

export async function updateService(
  deps: CoreDeps,
  actor: Actor,
  id: string,
  input: UpdateServiceInput,
): Promise<{ service: Service; operation: Operation }> {
  assertCanWrite(actor);
  const cur = await findService(deps, actor, id);
  assertTransition(serviceMachine, 'service', id, cur.status, 'pending');
  return withOperations(deps, async (tx) => {
    await lockServiceTarget(tx, cur.deploymentId, id);
    // Compare-and-set through the machine: an update re-applies the service from `pending`.
    const [service] = await tx
      .update(services)
      .set({
        ...input,
        status: 'pending',
        reason: null,
        error: null,
        generation: sql`${services.generation} + 1`,
        lastUpdated: new Date(),
      })
      .where(movableTo('service', id, 'pending'))
      .returning();
    if (!service) throw conflict(id, "Service changed concurrently; cannot move it to 'pending'");
    const op = await insertOperation(tx, {
      ownerId: cur.ownerId,
      kind: 'service.apply',
      resourceType: 'service',
      resourceId: id,
      input: { generation: service.generation },
    });
    return { service, operation: op, operations: [op] };
  });
}

export async function deleteService(
  deps: CoreDeps,
  actor: Actor,
  id: string,
): Promise<{ operation: Operation }> {
  assertCanWrite(actor);
  const cur = await findService(deps, actor, id);
  const out = await withOperations(deps, async (tx) => {
    // No running cluster needed to delete; the tenancy still is (deleting by name in a namespace that
    // is no longer the owner's could remove another owner's service).
    const [cluster] = await tx.select().from(clusters).where(eq(clusters.id, cur.clusterId)).for('share');
    const [dep] = await tx
      .select({ ownerId: deployments.ownerId })
      .from(deployments)
      .where(eq(deployments.id, cur.deploymentId));
    if (cluster && !cluster.deletedAt)
      await assertTenancy(tx, dep?.ownerId ?? cur.ownerId, cluster, cur.namespace);
    const [gone] = await tx
      .update(services)
      .set({ deletedAt: new Date(), lastUpdated: new Date() })
      .where(and(eq(services.id, id), isNull(services.deletedAt)))
      .returning({ id: services.id });
    if (!gone) throw notFound(id);
    const op = await insertOperation(tx, {
      ownerId: cur.ownerId,
      kind: 'service.delete',
      resourceType: 'service',
      resourceId: id,
    });
    return { operation: op, operations: [op] };
  });
  return { operation: out.operation };
}

export async function loadServiceForWorker(deps: CoreDeps, id: string): Promise<Service | null> {
  const [row] = await deps.db.select().from(services).where(eq(services.id, id));
  return row ?? null;
}
