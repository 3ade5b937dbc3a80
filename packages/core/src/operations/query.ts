import { type Operation, type OperationEvent, operationEvents, operations } from '@slipway/db';
import { and, asc, count, desc, eq } from 'drizzle-orm';
import { ownerFilter } from '../access.ts';
import type { Actor, CoreDeps } from '../deps.ts';
import { notFound } from '../errors.ts';
import { offsetOf, type Page, type PageQuery } from '../pagination.ts';

export type OperationWithEvents = Operation & { events: OperationEvent[] };

export async function getOperation(deps: CoreDeps, actor: Actor, id: string): Promise<OperationWithEvents> {
  const [op] = await deps.db
    .select()
    .from(operations)
    .where(and(eq(operations.id, id), ownerFilter(actor, operations.ownerId)));
  if (!op) throw notFound(id);
  const events = await deps.db
    .select()
    .from(operationEvents)
    .where(eq(operationEvents.operationId, id))
    .orderBy(asc(operationEvents.id));
  return { ...op, events };
}

export async function listOperations(
  deps: CoreDeps,
  actor: Actor,
  q: PageQuery & { resourceId?: string | undefined },
): Promise<Page<Operation>> {
  const where = and(
    ownerFilter(actor, operations.ownerId),
    q.resourceId ? eq(operations.resourceId, q.resourceId) : undefined,
    q.status ? eq(operations.status, q.status as Operation['status']) : undefined,
    q.name ? eq(operations.kind, q.name) : undefined,
  );
  const [items, [total]] = await Promise.all([
    deps.db
      .select()
      .from(operations)
      .where(where)
      .orderBy(desc(operations.createdAt), desc(operations.id))
      .limit(q.perPage)
      .offset(offsetOf(q)),
    deps.db.select({ n: count() }).from(operations).where(where),
  ]);
  return { items, total: total?.n ?? 0, page: q.page, perPage: q.perPage };
}

/** Events of the operations of one resource, oldest first (image build logs). */
export async function resourceEvents(
  deps: CoreDeps,
  resourceId: string,
  kinds: string[],
): Promise<OperationEvent[]> {
  const ops = await deps.db
    .select({ id: operations.id, kind: operations.kind })
    .from(operations)
    .where(eq(operations.resourceId, resourceId))
    .orderBy(asc(operations.createdAt));
  const out: OperationEvent[] = [];
  for (const op of ops.filter((o) => kinds.includes(o.kind))) {
    out.push(
      ...(await deps.db
        .select()
        .from(operationEvents)
        .where(eq(operationEvents.operationId, op.id))
        .orderBy(asc(operationEvents.id))),
    );
  }
  return out;
}
