import type { Operation, Tx } from '@slipway/db';
import { and, count, desc, eq, isNull, type SQL } from 'drizzle-orm';
import type { PgColumn, PgTable } from 'drizzle-orm/pg-core';
import { ownerFilter } from './access.ts';
import { auditInTransaction } from './audit.ts';
import type { Actor, CoreDeps } from './deps.ts';
import { conflict } from './errors.ts';
import { dispatch } from './operations/record.ts';
import { offsetOf, type Page, type PageQuery } from './pagination.ts';

type Listable = PgTable & {
  createdAt: PgColumn;
  id: PgColumn;
  ownerId: PgColumn;
  status: PgColumn;
  name: PgColumn;
  deletedAt: PgColumn;
};

/**
 * The one list query of every resource: live rows the actor may see (admins all, others their own),
 * newest first, with the optional status and name filters.
 */
export async function listRows<T>(
  deps: CoreDeps,
  actor: Actor,
  table: Listable,
  q: PageQuery,
): Promise<Page<T>> {
  const where = and(
    isNull(table.deletedAt),
    ownerFilter(actor, table.ownerId),
    q.status ? eq(table.status, q.status) : undefined,
    q.name ? eq(table.name, q.name) : undefined,
  );
  const [items, [total]] = await Promise.all([
    deps.db
      .select()
      .from(table)
      .where(where)
      .orderBy(desc(table.createdAt), desc(table.id))
      .limit(q.perPage)
      .offset(offsetOf(q)),
    deps.db.select({ n: count() }).from(table).where(where),
  ]);
  return { items: items as T[], total: total?.n ?? 0, page: q.page, perPage: q.perPage };
}

/** Runs `fn` in a transaction that creates operations, then dispatches them after commit. */
export async function withOperations<T extends { operations: Operation[] }>(
  deps: CoreDeps,
  fn: (tx: Tx) => Promise<T>,
): Promise<T> {
  const out = await deps.db.transaction(async (tx) => {
    const r = await fn(tx);
    // The audited request's row commits with the change (a no-op outside an API request).
    await auditInTransaction(tx, r.operations[0]?.resourceId);
    return r;
  });
  for (const op of out.operations) await dispatch(deps, op);
  return out;
}

/** A table whose names are unique among live (not deleted) rows. */
type LiveTable = PgTable & { id: PgColumn; deletedAt: PgColumn };

/**
 * Runs a write guarded by a unique index over live rows. A unique violation becomes the 409 naming the
 * live row that holds the name (looked up by `holder.match` among live rows of `holder.table`, so the
 * client can go to it); any other error passes through.
 */
export async function orDuplicate<T>(
  deps: CoreDeps,
  write: () => Promise<T>,
  holder: { table: LiveTable; match: SQL[] },
  message?: string,
): Promise<T> {
  try {
    return await write();
  } catch (e) {
    if (!isUniqueViolation(e)) throw e;
    const [d] = await deps.db
      .select({ id: holder.table.id })
      .from(holder.table)
      .where(and(...holder.match, isNull(holder.table.deletedAt)));
    throw conflict(d ? String(d.id) : '', message);
  }
}

/** postgres unique_violation */
export function isUniqueViolation(e: unknown): boolean {
  let cur: unknown = e;
  for (let i = 0; i < 3 && cur && typeof cur === 'object'; i++) {
    if ((cur as { code?: unknown }).code === '23505') return true;
    cur = (cur as { cause?: unknown }).cause;
  }
  return false;
}
