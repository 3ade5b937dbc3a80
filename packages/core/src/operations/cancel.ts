import { type Operation, operations } from '@slipway/db';
import type { JobName } from '@slipway/jobs';
import { and, eq, inArray, sql } from 'drizzle-orm';
import { assertCanWrite, canSee } from '../access.ts';
import type { Actor, CoreDeps } from '../deps.ts';
import { DomainError, notFound } from '../errors.ts';
import { failureStatusOf, transitionResource } from '../resources.ts';
import { appendEvent } from './record.ts';

/**
 * Cancels a queued or running operation. `cancelled` is committed here, with the lease cleared, so
 * whatever the worker still does is fenced off: nothing takes effect after this commit. The worker
 * notices on its next lease renewal and aborts its driver call (child processes are killed).
 */
export async function cancelOperation(deps: CoreDeps, actor: Actor, id: string): Promise<Operation> {
  assertCanWrite(actor);
  const op = await deps.db.transaction(async (tx) => {
    const [cur] = await tx.select().from(operations).where(eq(operations.id, id)).for('update');
    if (!cur || !canSee(actor, cur.ownerId)) throw notFound(id);
    if (cur.status !== 'queued' && cur.status !== 'running') {
      throw new DomainError('conflict', `Operation is already ${cur.status}`, { id });
    }
    const [done] = await tx
      .update(operations)
      .set({
        status: 'cancelled',
        error: 'cancelled by request',
        cancelRequestedAt: sql`now()`,
        leaseToken: null,
        leaseExpiresAt: null,
        finishedAt: sql`now()`,
        updatedAt: sql`now()`,
      })
      .where(and(eq(operations.id, id), inArray(operations.status, ['queued', 'running'])))
      .returning();
    if (!done) throw new DomainError('conflict', 'Operation finished meanwhile', { id });
    const failed = failureStatusOf(cur.resourceType);
    if (cur.resourceType !== 'ai' && failed && !cur.kind.endsWith('.delete')) {
      await transitionResource(tx, cur.resourceType, cur.resourceId, failed, { error: 'cancelled' }).catch(
        (e: unknown) => {
          if (!(e instanceof DomainError && e.code === 'conflict')) throw e;
        },
      );
    }
    await appendEvent(tx, id, 'cancelled', `cancelled by ${actor.id}`);
    return done;
  });
  await deps.producer?.remove(op.kind as JobName, op.id).catch(() => {});
  // A running job learns of it at once (its lease renewal would notice within LEASE_MS/3 anyway).
  await deps.producer?.publishCancel(op.id).catch(() => {});
  return op;
}
