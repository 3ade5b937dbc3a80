import { operations } from '@slipway/db';
import { isJobName, type JobName } from '@slipway/jobs';
import { and, eq, lt, sql } from 'drizzle-orm';
import type { CoreDeps } from '../deps.ts';
import { failureStatusOf, transitionResource } from '../resources.ts';
import { LOST_EVENT } from './lease.ts';
import { appendEvent } from './record.ts';

export type ReconcileOptions = {
  /** Queued operations younger than this are left alone (their enqueue may be in flight). */
  queuedGraceMs: number;
  /** An operation whose lease expired this many times in a row is failed instead of re-driven. */
  maxAttempts: number;
  limit?: number;
  /** How many Redis look-ups (and enqueues) are sent at once; ioredis pipelines them on one connection. */
  redisBatch?: number;
  /**
   * Base of the delay before a lost operation runs again (default 1000 ms; see `redriveDelay`): the
   * operations a dying worker took down with it are spread out instead of landing together again.
   */
  redriveDelayMs?: number;
  /** Jitter source (tests); Math.random by default. */
  random?: () => number;
};

const DEFAULT_REDIS_BATCH = 100;
const DEFAULT_REDRIVE_DELAY_MS = 1000;
const MAX_REDRIVE_DELAY_MS = 60_000;

/**
 * How long a lost operation waits before it is delivered again: `baseMs` doubled per attempt it has
 * used (each loss is one), capped at 60 s, the upper half of it at random (equal jitter). Its first
 * loss: 0.5-1 x base; its second: 1-2 x base.
 */
export function redriveDelay(attempts: number, baseMs: number, random: () => number = Math.random): number {
  const cap = Math.min(baseMs * 2 ** Math.max(0, attempts - 1), MAX_REDRIVE_DELAY_MS);
  return Math.round(cap / 2 + (random() * cap) / 2);
}

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
 *  - running operations whose lease expired (their worker died) go back to queued and are enqueued
 *    with a delay that grows with their attempts (jittered, `redriveDelay`), or fail once they have
 *    used up their attempts. The event it writes marks the operation as lost: from then on it is only
 *    claimed by a worker that runs nothing else (`claimOperation`'s `alone`), so a poison that
 *    crashes its worker cannot keep taking the same healthy operations down with it. The runner
 *    never takes such an operation over itself (`takeOver: false`): every loss passes through here,
 *    is counted against `maxAttempts` and is re-driven with its delay.
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
    const redriven: { id: string; kind: string; attempts: number }[] = [];
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
        await appendEvent(tx, op.id, 'queued', `${LOST_EVENT}; re-driven by the reconciler`);
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
  // A re-driven one is delayed (jittered, growing with its attempts); should Redis still hold its job
  // (a stalled one BullMQ is about to hand out again), that delivery finds it lost before and runs it alone.
  const batch = opts.redisBatch ?? DEFAULT_REDIS_BATCH;
  const baseDelay = opts.redriveDelayMs ?? DEFAULT_REDRIVE_DELAY_MS;
  const byId = new Map<string, { id: string; kind: JobName; delayMs?: number }>();
  for (const op of swept.queued) {
    if (isJobName(op.kind)) byId.set(op.id, { id: op.id, kind: op.kind });
  }
  for (const op of swept.redriven) {
    const delayMs = redriveDelay(op.attempts, baseDelay, opts.random);
    if (isJobName(op.kind)) byId.set(op.id, { id: op.id, kind: op.kind, delayMs });
  }
  const candidates = [...byId.values()];
  const held = await inBatches(candidates, batch, (op) => producer.holds(op.kind, op.id));
  const missing = candidates.filter((_, i) => !held[i]);
  await inBatches(missing, batch, (op) =>
    producer.enqueue(op.kind, op.id, op.delayMs ? { delayMs: op.delayMs } : {}),
  );
  report.reenqueued = missing.length;
  return report;
}
