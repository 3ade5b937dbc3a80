import { operations } from '@slipway/db';
import { isJobName, type JobName } from '@slipway/jobs';
import { and, eq, lt, sql } from 'drizzle-orm';
import type { CoreDeps } from '../deps.ts';
import { failureStatusOf, transitionResource } from '../resources.ts';
import { appendEvent } from './record.ts';

export type ReconcileOptions = {
  /** Queued operations younger than this are left alone (their enqueue may be in flight). */
  queuedGraceMs: number;
  /** An operation whose lease expired this many times in a row is failed instead of re-driven. */
  maxAttempts: number;
  limit?: number;
  /** How many Redis look-ups (and enqueues) are sent at once; ioredis pipelines them on one connection. */
  redisBatch?: number;
};

const DEFAULT_REDIS_BATCH = 100;

/** `fn` over `items`, `size` at a time (each batch in flight together), results in order. */
async function inBatches<T, R>(items: T[], size: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += size)
    out.push(...(await Promise.all(items.slice(i, i + size).map(fn))));
  return out;
}

export type ReconcileReport = { reenqueued: number; redriven: number; failed: number; skipped: boolean };

/**
 * The outbox sweeper: Postgres is the truth, Redis a rebuildable index. Safe to run in every worker:
 * a transaction-scoped advisory lock (try, never wait) lets one sweep at a time through the
 * Postgres part. Redis is only touched after that transaction committed, in batches: no
 * transaction or lock is ever held across a Redis round trip (a slow or unreachable Redis cannot
 * pin a Postgres connection, its row locks, or the other workers' sweeps). Enqueueing is idempotent
 * (jobId = operation id), so two sweeps overlapping in their Redis part do no harm.
 *  - queued operations Redis does not hold (crash between commit and enqueue, Redis restarted empty)
 *    are enqueued again (jobId = operation id makes it idempotent);
 *  - running operations whose lease expired (their worker died) go back to queued and are enqueued,
 *    or fail once they have used up their attempts.
 */
export async function reconcile(deps: CoreDeps, opts: ReconcileOptions): Promise<ReconcileReport> {
  const report: ReconcileReport = { reenqueued: 0, redriven: 0, failed: 0, skipped: false };
  const producer = deps.producer;
  if (!producer) return report;
  const swept = await deps.db.transaction(async (tx) => {
    const [lock] = (await tx.execute(sql`select pg_try_advisory_xact_lock(7150003) as ok`)) as unknown as {
      ok: boolean;
    }[];
    if (!lock?.ok) return null;

    const expired = await tx
      .select()
      .from(operations)
      .where(and(eq(operations.status, 'running'), lt(operations.leaseExpiresAt, sql`now()`)))
      .limit(opts.limit ?? 500);
    const redriven: { id: string; kind: string }[] = [];
    for (const op of expired) {
      // Each write below re-checks `running` and only then records anything: the worker may have
      // settled the operation since the select above (a late but valid commit), and appending a
      // `queued`/`failed` event or failing the resource then would move a finished operation backwards.
      const stillExpired = and(
        eq(operations.id, op.id),
        eq(operations.status, 'running'),
        lt(operations.leaseExpiresAt, sql`now()`),
      );
      const released = { leaseToken: null, leaseExpiresAt: null, updatedAt: sql`now()` };
      if (op.attempts >= opts.maxAttempts) {
        const [gone] = await tx
          .update(operations)
          .set({
            ...released,
            status: 'failed',
            error: `worker lost ${op.attempts} times (lease expired); giving up`,
            finishedAt: sql`now()`,
          })
          .where(stillExpired)
          .returning({ id: operations.id });
        if (!gone) continue;
        const failed = failureStatusOf(op.resourceType);
        if (op.resourceType !== 'ai' && failed && !op.kind.endsWith('.delete')) {
          await transitionResource(tx, op.resourceType, op.resourceId, failed, {
            error: 'worker lost',
          }).catch(() => {});
        }
        await appendEvent(tx, op.id, 'failed', 'lease expired too many times (dead-lettered)');
        report.failed++;
      } else {
        const [back] = await tx
          .update(operations)
          .set({ ...released, status: 'queued' })
          .where(stillExpired)
          .returning({ id: operations.id });
        if (!back) continue;
        await appendEvent(tx, op.id, 'queued', 'lease expired (worker lost); re-driven by the reconciler');
        redriven.push(op);
        report.redriven++;
      }
    }

    const queued = await tx
      .select({ id: operations.id, kind: operations.kind })
      .from(operations)
      .where(
        and(
          eq(operations.status, 'queued'),
          lt(operations.updatedAt, sql`now() - make_interval(secs => ${opts.queuedGraceMs / 1000})`),
        ),
      )
      .limit(opts.limit ?? 500);
    return { redriven, queued };
  });
  if (!swept) return { ...report, skipped: true };

  // Committed; now Redis, in batches. Re-driven operations and queued ones Redis does not hold
  // (lost between commit and enqueue, or Redis restarted empty) are enqueued.
  const batch = opts.redisBatch ?? DEFAULT_REDIS_BATCH;
  const byId = new Map<string, { id: string; kind: JobName }>();
  for (const op of [...swept.redriven, ...swept.queued]) {
    if (isJobName(op.kind)) byId.set(op.id, { id: op.id, kind: op.kind });
  }
  const candidates = [...byId.values()];
  const held = await inBatches(candidates, batch, (op) => producer.holds(op.kind, op.id));
  const missing = candidates.filter((_, i) => !held[i]);
  await inBatches(missing, batch, (op) => producer.enqueue(op.kind, op.id));
  report.reenqueued = missing.length;
  return report;
}
