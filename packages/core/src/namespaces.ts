// Namespaces per owner (issue 12, tenants). Every owner has a default namespace derived from its id
// (`slipway-u-<the id's 32 hex>`), used when a deployment names none, and works in the namespaces an
// admin assigned to it. Anything else is a 403, admins included (an admin assigns one to itself, which
// is audited like every admin request). A namespace is assigned to one owner at a time (409 otherwise),
// so two owners that reach the same API server (two contexts on one cluster) cannot apply over each
// other. Assignments and kube contexts are re-checked whenever a desired state changes (API) and when a
// queued operation runs (worker): a withdrawal stops what the owner queued before it.
import {
  type Cluster,
  kubeContexts,
  type NamespaceAssignment,
  namespaceAssignments,
  type Tx,
  users,
} from '@slipway/db';
import { and, count, desc, eq, sql } from 'drizzle-orm';
import { assertAdmin } from './access.ts';
import type { Actor, CoreDeps } from './deps.ts';
import { conflict, DomainError, invalidField, notFound } from './errors.ts';
import { assertTenantNamespace, isSystemNamespace } from './kube-contexts.ts';
import { offsetOf, type Page, type PageQuery } from './pagination.ts';

/** The prefix of every owner's default namespace; reserved (no admin can assign such a name). */
export const DEFAULT_NAMESPACE_PREFIX = 'slipway-u-';

/**
 * An owner's default namespace: `slipway-u-` and the 32 hex digits of its id (42 characters, a valid
 * DNS-1123 label). From the id, not the email: ids never change, are unique (so are the namespaces,
 * with no truncation), and put no personal data into cluster object names.
 */
export function defaultNamespace(ownerId: string): string {
  const hex = ownerId.toLowerCase().replace(/[^0-9a-f]/g, '');
  if (hex.length !== 32)
    throw new Error(`cannot derive a namespace from owner id ${JSON.stringify(ownerId)}`);
  return `${DEFAULT_NAMESPACE_PREFIX}${hex}`;
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Admins: assign `namespace` to `ownerId`. Already assigned (to anyone) is a 409. */
export async function assignNamespace(
  deps: CoreDeps,
  actor: Actor,
  input: { namespace: string; ownerId: string },
): Promise<NamespaceAssignment> {
  assertAdmin(actor);
  const ns = input.namespace;
  if (ns.length > 63 || !DNS_LABEL.test(ns))
    throw invalidField('namespace', 'must be a DNS-1123 label (a-z, 0-9, "-", at most 63)');
  assertTenantNamespace(ns);
  if (ns.startsWith(DEFAULT_NAMESPACE_PREFIX))
    throw invalidField('namespace', `is reserved: ${DEFAULT_NAMESPACE_PREFIX}* are the owners' defaults`);
  const [owner] = await deps.db.select({ id: users.id }).from(users).where(eq(users.id, input.ownerId));
  if (!owner) throw invalidField('owner_id', 'no such user');
  return deps.db.transaction(async (tx) => {
    // One owner per namespace: concurrent assignments of one name queue here (the unique index is on
    // namespace + owner, because the migration's backfill let owners that shared `default` keep it).
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`slipway:namespace:${ns}`}))`);
    const [held] = await tx
      .select({ id: namespaceAssignments.id })
      .from(namespaceAssignments)
      .where(eq(namespaceAssignments.namespace, ns))
      .limit(1);
    if (held) throw conflict(held.id, 'Namespace is already assigned');
    const [row] = await tx
      .insert(namespaceAssignments)
      .values({ namespace: ns, ownerId: input.ownerId, createdBy: actor.id })
      .returning();
    if (!row) throw new Error('insert returned nothing');
    return row;
  });
}

export async function listNamespaceAssignments(
  deps: CoreDeps,
  actor: Actor,
  q: Pick<PageQuery, 'page' | 'perPage'> & { ownerId?: string | undefined },
): Promise<Page<NamespaceAssignment>> {
  assertAdmin(actor);
  const where = q.ownerId ? eq(namespaceAssignments.ownerId, q.ownerId) : undefined;
  const [items, [total]] = await Promise.all([
    deps.db
      .select()
      .from(namespaceAssignments)
      .where(where)
      .orderBy(desc(namespaceAssignments.createdAt), desc(namespaceAssignments.id))
      .limit(q.perPage)
      .offset(offsetOf({ page: q.page, perPage: q.perPage })),
    deps.db.select({ n: count() }).from(namespaceAssignments).where(where),
  ]);
  return { items, total: total?.n ?? 0, page: q.page, perPage: q.perPage };
}

/**
 * Admins: withdraw an assignment. The owner's workloads stay in the cluster, but every later change
 * to them is refused (API 403) and so is what the owner had queued (the worker fails it).
 */
export async function withdrawNamespace(deps: CoreDeps, actor: Actor, id: string): Promise<void> {
  assertAdmin(actor);
  const gone = await deps.db
    .delete(namespaceAssignments)
    .where(eq(namespaceAssignments.id, id))
    .returning({ id: namespaceAssignments.id });
  if (gone.length === 0) throw notFound(id);
}

/** The reason `ownerId` may not work in `namespace`, or null. Locks the assignment it relies on. */
async function namespaceRefusal(db: Tx, ownerId: string, namespace: string): Promise<string | null> {
  if (namespace === defaultNamespace(ownerId)) return null;
  // FOR SHARE: a withdrawal running now waits for this transaction (or this one sees it withdrawn).
  const [row] = await db
    .select({ id: namespaceAssignments.id })
    .from(namespaceAssignments)
    .where(and(eq(namespaceAssignments.namespace, namespace), eq(namespaceAssignments.ownerId, ownerId)))
    .for('share');
  return row ? null : `Namespace ${namespace} is not assigned to you`;
}

async function contextRefusal(db: Tx, cluster: Cluster): Promise<string | null> {
  if (cluster.kind !== 'kubeconfig') return null;
  const context = cluster.kubeContext ?? cluster.name;
  const [row] = await db
    .select({ id: kubeContexts.id })
    .from(kubeContexts)
    .where(and(eq(kubeContexts.context, context), eq(kubeContexts.ownerId, cluster.ownerId)))
    .for('share');
  return row ? null : `Kube context ${context} is not assigned to you`;
}

/**
 * The owner may still work on `cluster` (a kubeconfig cluster's context is still assigned to it) and,
 * when given, in `namespace` (a system namespace is a 422; one neither its default nor assigned to it,
 * a 403). Run inside the transaction that records the change.
 */
export async function assertTenancy(
  db: Tx,
  ownerId: string,
  cluster: Cluster,
  namespace?: string,
): Promise<void> {
  if (namespace !== undefined) assertTenantNamespace(namespace);
  const why =
    (await contextRefusal(db, cluster)) ??
    (namespace === undefined ? null : await namespaceRefusal(db, ownerId, namespace));
  if (why) throw new DomainError('forbidden', why);
}

/**
 * Worker side, when a queued operation runs: the same checks, answered as a permanent failure that
 * says the assignment was withdrawn (retrying cannot help; an admin re-assigning it can).
 */
export async function assertTenancyForWorker(
  deps: CoreDeps,
  ownerId: string,
  cluster: Cluster,
  namespace?: string,
): Promise<void> {
  const system = namespace !== undefined && isSystemNamespace(namespace);
  const why = system
    ? `Namespace ${namespace} is reserved for the system`
    : ((await contextRefusal(deps.db, cluster)) ??
      (namespace === undefined ? null : await namespaceRefusal(deps.db, ownerId, namespace)));
  if (why) {
    throw new DomainError(
      'forbidden',
      `${why.replace('is not assigned to you', "is no longer assigned to the resource's owner")}; the operation was refused`,
      { retryable: false },
    );
  }
}
