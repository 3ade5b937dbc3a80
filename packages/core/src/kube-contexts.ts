// The kubeconfig-context allowlist (issue 12, tenants): admins assign contexts to owners; a
// `kind: kubeconfig` cluster may name only a context assigned to its owner (else 403). One owner per
// context, so no two owners can apply over each other's workloads through a shared context.
import { type KubeContext, kubeContexts, users } from '@slipway/db';
import { and, count, desc, eq } from 'drizzle-orm';
import { assertAdmin } from './access.ts';
import type { Actor, CoreDeps } from './deps.ts';
import { conflict, DomainError, invalidField, notFound } from './errors.ts';
import { offsetOf, type Page, type PageQuery } from './pagination.ts';
import { isUniqueViolation } from './shared.ts';

/**
 * A kubeconfig context name as Slipway accepts it: 1..253 characters of letters, digits and
 * `_ . : @ / -`, never starting with `-` (it would read as an option to kubectl, helm or kubectl-ai).
 * Returns the issue, or null when the name is fine.
 */
export function kubeContextIssue(context: string): string | null {
  if (context.length === 0 || context.length > 253) return 'must be 1 to 253 characters';
  if (context.startsWith('-')) return 'must not start with "-"';
  if (!/^[A-Za-z0-9_.:@/][A-Za-z0-9_.:@/-]*$/.test(context))
    return 'must be letters, digits, "_", ".", ":", "@", "/" or "-"';
  return null;
}

export function assertKubeContextName(context: string, field = 'kube_context'): void {
  const issue = kubeContextIssue(context);
  if (issue) throw invalidField(field, issue);
}

/** Admins: assign `context` to `ownerId`. A context already assigned (to anyone) is a 409. */
export async function createKubeContext(
  deps: CoreDeps,
  actor: Actor,
  input: { context: string; ownerId: string },
): Promise<KubeContext> {
  assertAdmin(actor);
  assertKubeContextName(input.context, 'context');
  const [owner] = await deps.db.select({ id: users.id }).from(users).where(eq(users.id, input.ownerId));
  if (!owner) throw invalidField('owner_id', 'no such user');
  try {
    const [row] = await deps.db
      .insert(kubeContexts)
      .values({ context: input.context, ownerId: input.ownerId, createdBy: actor.id })
      .returning();
    if (!row) throw new Error('insert returned nothing');
    return row;
  } catch (e) {
    if (!isUniqueViolation(e)) throw e;
    const [held] = await deps.db
      .select({ id: kubeContexts.id })
      .from(kubeContexts)
      .where(eq(kubeContexts.context, input.context));
    throw conflict(held?.id ?? '', 'Context is already assigned');
  }
}

export async function listKubeContexts(
  deps: CoreDeps,
  actor: Actor,
  q: Pick<PageQuery, 'page' | 'perPage'>,
): Promise<Page<KubeContext>> {
  assertAdmin(actor);
  const [items, [total]] = await Promise.all([
    deps.db
      .select()
      .from(kubeContexts)
      .orderBy(desc(kubeContexts.createdAt), desc(kubeContexts.id))
      .limit(q.perPage)
      .offset(offsetOf({ page: q.page, perPage: q.perPage })),
    deps.db.select({ n: count() }).from(kubeContexts),
  ]);
  return { items, total: total?.n ?? 0, page: q.page, perPage: q.perPage };
}

/** Admins: withdraw an assignment. Clusters already registered on it keep their record. */
export async function deleteKubeContext(deps: CoreDeps, actor: Actor, id: string): Promise<void> {
  assertAdmin(actor);
  const gone = await deps.db
    .delete(kubeContexts)
    .where(eq(kubeContexts.id, id))
    .returning({ id: kubeContexts.id });
  if (gone.length === 0) throw notFound(id);
}

/** A kubeconfig cluster's context must be assigned to the cluster's owner (admins included): else 403. */
export async function assertKubeContextAssigned(
  deps: CoreDeps,
  ownerId: string,
  context: string,
): Promise<void> {
  assertKubeContextName(context);
  const [row] = await deps.db
    .select({ id: kubeContexts.id })
    .from(kubeContexts)
    .where(and(eq(kubeContexts.context, context), eq(kubeContexts.ownerId, ownerId)));
  if (!row) throw new DomainError('forbidden', `Kube context ${context} is not assigned to you`);
}

/**
 * Namespaces no tenant may deploy into: Kubernetes' own (`kube-system`, `kube-public`,
 * `kube-node-lease`, any `kube-*`), OpenShift's (`openshift-*`) and the add-ons' Slipway and its
 * agents rely on. `default` stays allowed: each cluster belongs to one owner (minikube profiles per
 * cluster id, kubeconfig contexts assigned to one owner), so a cluster's `default` is that owner's.
 */
export const SYSTEM_NAMESPACE_PREFIXES = ['kube-', 'openshift-'] as const;
export const SYSTEM_NAMESPACES: ReadonlySet<string> = new Set([
  'kubernetes-dashboard',
  'local-path-storage',
  'ingress-nginx',
  'cert-manager',
  'kagent',
]);

export function isSystemNamespace(namespace: string): boolean {
  const ns = namespace.toLowerCase();
  return SYSTEM_NAMESPACES.has(ns) || SYSTEM_NAMESPACE_PREFIXES.some((p) => ns.startsWith(p));
}

/** 422 on `namespace` for a system namespace. */
export function assertTenantNamespace(namespace: string): void {
  if (isSystemNamespace(namespace)) {
    throw invalidField(
      'namespace',
      'is a system namespace',
      `Namespace ${namespace} is reserved for the system`,
    );
  }
}
