import { AsyncLocalStorage } from 'node:async_hooks';
import { type AuditRow, auditLog, type Sql, securityEvents, type Tx } from '@slipway/db';
import { and, count, desc, eq, gte, like, lte, type SQL, sql } from 'drizzle-orm';
import { assertAdmin } from './access.ts';
import type { Actor, CoreDeps } from './deps.ts';
import { offsetOf, type Page } from './pagination.ts';

// The audit trail (contract: "Audit Logging"): who changed what, through which request, and how it ended.

export type AuditEntry = {
  userId: string | null;
  /** e.g. "POST /api/deployments/:id/scale" (the route pattern, not the raw path). */
  action: string;
  method: string;
  path: string;
  resourceId?: string | null | undefined;
  /** null: the change committed, its response is not sent yet. */
  statusCode: number | null;
  requestId?: string | null | undefined;
};

const row = (e: AuditEntry) => ({
  userId: e.userId,
  action: e.action.slice(0, 200),
  method: e.method.slice(0, 16),
  path: e.path.slice(0, 2000),
  resourceId: e.resourceId?.slice(0, 200) ?? null,
  statusCode: e.statusCode,
  requestId: e.requestId?.slice(0, 200) ?? null,
});

export async function recordAudit(deps: CoreDeps | { db: Tx }, e: AuditEntry): Promise<void> {
  await deps.db.insert(auditLog).values(row(e));
}

/**
 * The request being audited, carried through the verb's call (AsyncLocalStorage), so that the verb's
 * transaction can write the audit row with the change itself: a change that commits always has its
 * row, one that rolls back never does. The API sets it per request (middleware/audit.ts).
 */
export type AuditScope = Omit<AuditEntry, 'statusCode'> & {
  /** The row written inside a transaction, once one was (its commit is not known here). */
  rowId?: number;
  /**
   * The status the row already carries, when something else stored it together with other work
   * (the idempotency middleware stores the response and the audit status in one statement): the
   * audit middleware then writes nothing more for this status.
   */
  finishedStatus?: number;
};

const auditScope = new AsyncLocalStorage<AuditScope>();

export function withAuditScope<T>(scope: AuditScope, fn: () => Promise<T>): Promise<T> {
  return auditScope.run(scope, fn);
}

/**
 * Called inside a verb's transaction (withOperations does it for every operation-creating verb):
 * writes the audited request's row there, with the resource the change touched. Once per request.
 */
export async function auditInTransaction(
  tx: Tx,
  resourceId?: string | null,
  /** Who, when the request itself does not say (a login names its user only once it succeeded). */
  userId?: string | null,
): Promise<void> {
  const scope = auditScope.getStore();
  if (!scope || scope.rowId !== undefined) return;
  const [written] = await tx
    .insert(auditLog)
    .values(
      row({
        ...scope,
        userId: scope.userId ?? userId ?? null,
        resourceId: scope.resourceId ?? resourceId ?? null,
        statusCode: null,
      }),
    )
    .returning({ id: auditLog.id });
  if (written) scope.rowId = written.id;
}

/** The audited request in scope, if any (for statements that write its row themselves). */
export function currentAuditScope(): AuditScope | undefined {
  return auditScope.getStore();
}

/**
 * The values of the audited request's row (status null: not answered yet) for a verb that inserts it
 * within its own single statement; null outside an audited request or once a row was written. The
 * caller reports the row id with `auditRowWritten`.
 */
export function pendingAuditRow(resourceId?: string | null): ReturnType<typeof row> | null {
  const scope = auditScope.getStore();
  if (!scope || scope.rowId !== undefined) return null;
  return row({ ...scope, resourceId: scope.resourceId ?? resourceId ?? null, statusCode: null });
}

export function auditRowWritten(id: number): void {
  const scope = auditScope.getStore();
  if (scope) scope.rowId = id;
}

// finishAudit's UPDATE as a fixed text (a prepared statement: no query building per request).
const FINISH = `update audit_log set status_code = $1::int, resource_id = coalesce($2::text, resource_id)
  where id = $3::bigint returning id`;

/**
 * The response is ready: stores its status on the row the transaction wrote, or — when no
 * transaction wrote one (a refused request, a verb without operations), or it rolled back — writes
 * the row now. Awaited before the response goes out.
 */
export async function finishAudit(deps: CoreDeps, scope: AuditScope, statusCode: number): Promise<void> {
  if (scope.rowId !== undefined && scope.finishedStatus === statusCode) return;
  if (scope.rowId !== undefined) {
    const rid = scope.resourceId ? scope.resourceId.slice(0, 200) : null;
    const client = (deps.db as { $client?: Sql }).$client;
    const done =
      typeof client?.unsafe === 'function'
        ? await client.unsafe(FINISH, [statusCode, rid, scope.rowId], { prepare: true })
        : await deps.db
            .update(auditLog)
            .set({ statusCode, ...(rid ? { resourceId: rid } : {}) })
            .where(eq(auditLog.id, scope.rowId))
            .returning({ id: auditLog.id });
    if (done.length > 0) return;
  }
  await recordAudit(deps, { ...scope, statusCode });
}

export type AuditQuery = {
  page: number;
  perPage: number;
  /** user id of whoever made the request */
  actorId?: string | undefined;
  /** exact action ("POST /api/deployments/:id/scale") or a prefix ending in "*" ("POST /api/*") */
  action?: string | undefined;
  resourceId?: string | undefined;
  from?: Date | undefined;
  to?: Date | undefined;
};

/** GET /api/audit: admins only, newest first, filtered by actor, action, resource and time. */
export async function listAudit(deps: CoreDeps, actor: Actor, q: AuditQuery): Promise<Page<AuditRow>> {
  assertAdmin(actor);
  const filters: (SQL | undefined)[] = [
    q.actorId ? eq(auditLog.userId, q.actorId) : undefined,
    q.action
      ? q.action.endsWith('*')
        ? like(auditLog.action, `${q.action.slice(0, -1).replace(/[\\%_]/g, (m) => `\\${m}`)}%`)
        : eq(auditLog.action, q.action)
      : undefined,
    q.resourceId ? eq(auditLog.resourceId, q.resourceId) : undefined,
    q.from ? gte(auditLog.at, q.from) : undefined,
    q.to ? lte(auditLog.at, q.to) : undefined,
  ];
  const where = and(...filters);
  const [items, [total]] = await Promise.all([
    deps.db
      .select()
      .from(auditLog)
      .where(where)
      .orderBy(desc(auditLog.at), desc(auditLog.id))
      .limit(q.perPage)
      .offset(offsetOf({ page: q.page, perPage: q.perPage })),
    deps.db.select({ n: count() }).from(auditLog).where(where),
  ]);
  return { items, total: total?.n ?? 0, page: q.page, perPage: q.perPage };
}

const clientScope = new AsyncLocalStorage<{ address: string }>();

/** The API runs each request's handlers with its client address in scope (rate-limit middleware). */
export function withClientAddress<T>(address: string, fn: () => Promise<T>): Promise<T> {
  return clientScope.run({ address }, fn);
}

/** The address of the client whose request is being handled, if any (for security events). */
export function currentClientAddress(): string | undefined {
  return clientScope.getStore()?.address;
}

export type SecurityEventInput = {
  /** e.g. "unauthorized", "forbidden", "rate_limited", "refresh_token_reuse", "login_locked". */
  kind: string;
  userId?: string | null | undefined;
  address?: string | null | undefined;
  path?: string | null | undefined;
  detail?: Record<string, unknown> | undefined;
  /** How many occurrences this record stands for (default 1). */
  count?: number | undefined;
};

/**
 * Records a security event. Events with the same kind, user, address and path in the same minute
 * share one row (its count goes up), so a flood adds a row a minute per source, not one per request.
 * Takes a transaction so an event can commit with the change it explains (a revoked token family).
 */
export async function recordSecurityEvent(db: Tx, e: SecurityEventInput): Promise<void> {
  const address = (e.address ?? currentClientAddress())?.slice(0, 64) ?? null;
  const path = e.path?.slice(0, 200) ?? null;
  const fingerprint = [e.kind, e.userId ?? '', address ?? '', path ?? ''].join('|');
  await db
    .insert(securityEvents)
    .values({
      kind: e.kind.slice(0, 64),
      userId: e.userId ?? null,
      address,
      path,
      detail: e.detail ?? null,
      fingerprint,
      bucket: sql`date_trunc('minute', now())` as unknown as Date,
      count: e.count ?? 1,
    })
    .onConflictDoUpdate({
      target: [securityEvents.fingerprint, securityEvents.bucket],
      set: { count: sql`${securityEvents.count} + ${e.count ?? 1}`, lastAt: sql`now()` },
    });
}

/** Drops security events last seen more than `days` ago (the API calls it now and then). */
export async function pruneSecurityEvents(db: Tx, days: number): Promise<void> {
  await db
    .delete(securityEvents)
    .where(lte(securityEvents.lastAt, sql`now() - make_interval(days => ${days})`));
}
