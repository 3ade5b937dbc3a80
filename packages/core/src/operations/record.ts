import { type Operation, operationEvents, operations, type ResourceType, type Tx } from '@slipway/db';
import { type JobInputIn, type JobName, parseJobInput } from '@slipway/jobs';
import { sql } from 'drizzle-orm';
import type { CoreDeps } from '../deps.ts';
import { notifyOnCommit } from './notices.ts';

/** An operation to record; `input` is typed by the kind's schema in the job catalog. */
export type NewOperation = {
  [N in JobName]: {
    ownerId: string;
    kind: N;
    resourceType: ResourceType;
    resourceId: string;
    input?: JobInputIn<N>;
  };
}[JobName];

/** Kind and input of an operation of one of the kinds `K` (a verb that inserts it fills in the rest). */
export type OperationOf<K extends JobName> = { [N in K]: { kind: N; input?: JobInputIn<N> } }[K];

/**
 * Inserts the operation (the outbox row) inside the caller's transaction, with its first event. The
 * input is parsed by the catalog's schema for its kind, the same one the worker parses it with.
 */
export async function insertOperation(tx: Tx, o: NewOperation): Promise<Operation> {
  const parsed = parseJobInput(o.kind, o.input ?? {});
  if (!parsed.ok) throw new Error(`operation ${o.kind}: input does not match its schema (${parsed.issue})`);
  const [op] = await tx
    .insert(operations)
    .values({
      ownerId: o.ownerId,
      kind: o.kind,
      resourceType: o.resourceType,
      resourceId: o.resourceId,
      input: parsed.input,
    })
    .returning();
  if (!op) throw new Error('operation insert returned nothing');
  await appendEvent(tx, op.id, 'queued', `${o.kind} accepted`);
  return op;
}

export async function appendEvent(
  tx: Tx,
  operationId: string,
  status: string,
  message: string,
): Promise<void> {
  await appendEvents(tx, operationId, status, [message]);
}

/**
 * Several events of one operation (ids follow the order given) in one statement, and the live
 * streams' wake-up (GET /api/operations/{id}/events and /api/events) once the transaction commits
 * (notices.ts).
 */
export async function appendEvents(
  tx: Tx,
  operationId: string,
  status: string,
  messages: readonly string[],
): Promise<void> {
  if (messages.length === 0) return;
  await tx.execute(sql`insert into ${operationEvents} (operation_id, status, message)
      select ${operationId}::uuid, ${status}::text, m.message
      from unnest(${sql.param(messages.map((m) => m.slice(0, 4000)))}::text[]) with ordinality as m(message, ord)
      order by m.ord`);
  await notifyOnCommit(tx, [operationId]);
}

/**
 * After commit: hand the operation to BullMQ. A failure here loses nothing: the row stays `queued`
 * and the reconciler enqueues it once Redis is back (jobId = operation id makes that idempotent).
 */
export async function dispatch(deps: CoreDeps, op: Pick<Operation, 'id' | 'kind'>): Promise<boolean> {
  if (!deps.producer) return false;
  try {
    await deps.producer.enqueue(op.kind as JobName, op.id, { fresh: true });
    return true;
  } catch (e) {
    deps.log?.warn({ err: e, operationId: op.id }, 'enqueue failed; the reconciler will retry');
    return false;
  }
}
