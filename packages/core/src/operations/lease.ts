import { randomUUID } from 'node:crypto';
import { type Db, type Operation, operations, type ResourceType, type Tx } from '@slipway/db';
import { jobNames, jobSpec } from '@slipway/jobs';
import { and, eq, sql } from 'drizzle-orm';
import { DomainError } from '../errors.ts';
import { applyResourceChange, failureStatusOf, type ResourceSet, type StatusOf } from '../resources.ts';
import { appendEvent, appendEvents } from './record.ts';

const readOnlyKinds = jobNames.filter((n) => jobSpec(n).readOnly === true);

export type ClaimOutcome =
  | { outcome: 'claimed'; lease: Lease }
  | { outcome: 'missing' }
  | { outcome: 'terminal'; status: string }
  /** Another live worker holds it (duplicate delivery). */
  | { outcome: 'held' }
  /** An earlier operation on the same resource is still pending or running: try again later. */
  | { outcome: 'wait'; blockedBy: string };

export type ClaimOptions = { leaseMs: number; workerId: string };

/**
 * Claims an operation with a compare-and-set: queued (or running with an expired lease) -> running,
 * attempts + 1, a fresh lease token, expiry computed by Postgres now(). Mutating operations on one
 * resource run one at a time, oldest first (a transaction-scoped advisory lock on the resource id
 * serialises the check-and-claim).
 */
export async function claimOperation(db: Db, operationId: string, opts: ClaimOptions): Promise<ClaimOutcome> {
  return db.transaction(async (tx) => {
    // The row and whether its lease has expired (by Postgres' clock) in one locking read.
    const [found] = await tx
      .select({
        op: operations,
        expired: sql<boolean>`(${operations.leaseExpiresAt} is null or ${operations.leaseExpiresAt} < now())`,
      })
      .from(operations)
      .where(eq(operations.id, operationId))
      .for('update');
    if (!found) return { outcome: 'missing' } as const;
    const { op, expired } = found;
    if (op.status === 'succeeded' || op.status === 'failed' || op.status === 'cancelled') {
      return { outcome: 'terminal', status: op.status } as const;
    }
    if (op.status === 'running' && !expired) return { outcome: 'held' } as const;

    if (!readOnlyKinds.includes(op.kind as (typeof readOnlyKinds)[number])) {
      await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${op.resourceId}::text, 7150))`);
      const blockers = (await tx.execute(sql`
        select id from operations
        where resource_id = ${op.resourceId} and id <> ${op.id}
          and kind not in (${sql.join(
            readOnlyKinds.map((k) => sql`${k}`),
            sql`, `,
          )})
          and ((status = 'running' and lease_expires_at > now())
               or (status in ('queued', 'running')
                   and (created_at, id) < (${op.createdAt.toISOString()}::timestamptz, ${op.id}::uuid)))
        order by created_at limit 1`)) as unknown as { id: string }[];
      if (blockers[0]) return { outcome: 'wait', blockedBy: blockers[0].id } as const;
    }

    const token = randomUUID();
    const [claimed] = await tx
      .update(operations)
      .set({
        status: 'running',
        attempts: sql`${operations.attempts} + 1`,
        leaseToken: token,
        leaseExpiresAt: sql`now() + make_interval(secs => ${opts.leaseMs / 1000})`,
        startedAt: sql`coalesce(${operations.startedAt}, now())`,
        updatedAt: sql`now()`,
      })
      .where(and(eq(operations.id, op.id), eq(operations.status, op.status)))
      .returning();
    if (!claimed) return { outcome: 'held' } as const;
    await appendEvent(tx, op.id, 'running', `attempt ${claimed.attempts} started on ${opts.workerId}`);
    return { outcome: 'claimed', lease: new Lease(db, claimed, token, opts.leaseMs) } as const;
  });
}

/** How an operation on a resource of type T ends; statuses and columns are T's own (see ResourceSet). */
export type Settlement<T extends ResourceType = ResourceType> = {
  /** Resource status to move to (compare-and-set through its machine); null keeps the status. */
  resourceStatus?: StatusOf<T> | null;
  resourceSet?: ResourceSet<T>;
  /**
   * The resource generation this operation applied: the status moves only while the resource is not
   * at a newer one (latest generation wins, decided in the same UPDATE); the columns are written anyway.
   */
  generation?: number | undefined;
  result?: Record<string, unknown>;
  message: string;
  /** More writes that commit with the settlement, in its transaction (a cluster's workloads). */
  alsoIn?: (tx: Tx) => Promise<void>;
};

/** Narrows a lease to the resource type its operation acts on (the runner checks it against the job catalog). */
export function isLeaseOn<T extends ResourceType>(lease: Lease, type: T): lease is Lease<T> {
  return lease.op.resourceType === type;
}

/**
 * The right to act on one claimed operation. Every write goes through `commit`, which first checks
 * (and row-locks) that this lease token still owns the running operation: a worker that stalled past
 * its lease and wakes up late is fenced off and its writes are rejected.
 */
export class Lease<T extends ResourceType = ResourceType> {
  readonly op: Operation;
  readonly token: string;
  private readonly db: Db;
  private readonly leaseMs: number;
  /** Driver log lines not yet written; they commit with the next fenced write, before any settlement. */
  private pending: string[] = [];
  private inflight = 0;
  private inflightSince: number | null = null;
  /** Columns written with every resource change of this lease (the runner records the driver used). */
  resourceDefaults: { driver?: string } = {};
  /** Set once this lease failed its operation (the runner ends the BullMQ job as failed too). */
  failedWith: string | null = null;
  constructor(db: Db, op: Operation, token: string, leaseMs: number) {
    this.db = db;
    this.op = op;
    this.token = token;
    this.leaseMs = leaseMs;
  }

  /** How long the oldest unfinished commit has been waiting (0 when none): a hung connection shows here. */
  stalledMs(): number {
    return this.inflightSince === null ? 0 : Date.now() - this.inflightSince;
  }

  async commit<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    if (this.inflight++ === 0) this.inflightSince = Date.now();
    try {
      return await this.commitNow(fn);
    } finally {
      if (--this.inflight === 0) this.inflightSince = null;
    }
  }

  private async commitNow<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    return this.db.transaction(async (tx) => {
      const owned = await tx
        .select({ id: operations.id })
        .from(operations)
        .where(
          and(
            eq(operations.id, this.op.id),
            eq(operations.leaseToken, this.token),
            eq(operations.status, 'running'),
          ),
        )
        .for('update');
      if (owned.length === 0) {
        throw new DomainError('fenced', `operation ${this.op.id} is no longer owned by this worker`, {
          id: this.op.id,
        });
      }
      const lines = this.pending;
      this.pending = [];
      try {
        await appendEvents(tx, this.op.id, 'running', lines);
        return await fn(tx);
      } catch (e) {
        this.pending = [...lines, ...this.pending];
        throw e;
      }
    });
  }

  /** Buffers a log line (build output, CLI output); written with the next commit or `flush()`. */
  log(message: string): void {
    this.pending.push(message);
  }

  /** Writes buffered log lines now (a no-op when there are none). */
  async flush(): Promise<void> {
    if (this.pending.length > 0) await this.commit(async () => {});
  }

  /** Extends the lease; returns false when it was lost (cancelled, or taken over after expiry). */
  async renew(): Promise<{ owned: boolean; cancelRequested: boolean }> {
    const rows = await this.db
      .update(operations)
      .set({
        leaseExpiresAt: sql`now() + make_interval(secs => ${this.leaseMs / 1000})`,
        updatedAt: sql`now()`,
      })
      .where(
        and(
          eq(operations.id, this.op.id),
          eq(operations.leaseToken, this.token),
          eq(operations.status, 'running'),
        ),
      )
      .returning({ cancel: operations.cancelRequestedAt });
    return { owned: rows.length > 0, cancelRequested: rows[0]?.cancel != null };
  }

  async event(message: string | string[]): Promise<void> {
    const messages = Array.isArray(message) ? message : [message];
    if (messages.length === 0) return;
    await this.commit(async (tx) => {
      await appendEvents(tx, this.op.id, 'running', messages);
    });
  }

  async progress(percent: number, message?: string): Promise<void> {
    await this.commit(async (tx) => {
      await tx
        .update(operations)
        .set({ progress: Math.max(0, Math.min(100, Math.round(percent))), updatedAt: sql`now()` })
        .where(eq(operations.id, this.op.id));
      if (message) await appendEvent(tx, this.op.id, 'running', message);
    });
  }

  /** A fenced mid-flight resource update (e.g. available_replicas while rolling out). */
  async updateResource(status: StatusOf<T> | null, set: ResourceSet<T>, message?: string): Promise<void> {
    await this.commit(async (tx) => {
      await applyResourceChange(tx, this.op.resourceType, this.op.resourceId, {
        status,
        set: { ...this.resourceDefaults, ...set },
      });
      if (message) await appendEvent(tx, this.op.id, 'running', message);
    });
  }

  async succeed(s: Settlement<T>): Promise<void> {
    await this.commit(async (tx) => {
      if (s.resourceStatus || s.resourceSet) {
        await applyResourceChange(tx, this.op.resourceType, this.op.resourceId, {
          status: s.resourceStatus ?? null,
          set: { ...this.resourceDefaults, ...s.resourceSet },
          generation: s.generation,
        });
      }
      await s.alsoIn?.(tx);
      await this.finishIn(tx, 'succeeded', s.message, null, s.result);
    });
  }

  /**
   * Permanent failure: the operation fails with `reason`, and the resource takes its failure status
   * (unless `resourceStatus` says otherwise, or the resource is already gone).
   */
  async fail(reason: string, opts: Omit<Settlement<T>, 'message' | 'result'> = {}): Promise<void> {
    await this.commit(async (tx) => {
      const status =
        opts.resourceStatus === undefined ? failureStatusOf(this.op.resourceType) : opts.resourceStatus;
      if (status || opts.resourceSet) {
        await applyResourceChange(tx, this.op.resourceType, this.op.resourceId, {
          status,
          set: { ...this.resourceDefaults, error: reason, ...opts.resourceSet },
          generation: opts.generation,
        }).catch((e: unknown) => {
          // A deleted or moved-on resource keeps its state; the operation still records why it failed.
          if (!(e instanceof DomainError && e.code === 'conflict')) throw e;
        });
      }
      await this.finishIn(tx, 'failed', reason, reason);
    });
  }

  /** Hands the operation back (retry later, shutdown): running -> queued, lease cleared. */
  async release(message: string): Promise<void> {
    await this.commit(async (tx) => {
      await tx
        .update(operations)
        .set({ status: 'queued', leaseToken: null, leaseExpiresAt: null, updatedAt: sql`now()` })
        .where(eq(operations.id, this.op.id));
      await appendEvent(tx, this.op.id, 'queued', message);
    });
  }

  private async finishIn(
    tx: Tx,
    status: 'succeeded' | 'failed',
    message: string,
    error: string | null,
    result?: Record<string, unknown>,
  ): Promise<void> {
    await tx
      .update(operations)
      .set({
        status,
        error,
        result: result ?? null,
        progress: status === 'succeeded' ? 100 : sql`${operations.progress}`,
        leaseToken: null,
        leaseExpiresAt: null,
        finishedAt: sql`now()`,
        updatedAt: sql`now()`,
      })
      .where(eq(operations.id, this.op.id));
    await appendEvent(tx, this.op.id, status, message);
    if (status === 'failed') this.failedWith = error ?? message;
  }
}

/**
 * The oldest queued mutating operation on a resource: the one whose turn comes next once the
 * running one settles (read-only kinds never wait, so they are not in line).
 */
export async function nextInLine(db: Db, resourceId: string): Promise<{ id: string; kind: string } | null> {
  const [next] = (await db.execute(sql`
    select id, kind from operations
    where resource_id = ${resourceId} and status = 'queued'
      and kind not in (${sql.join(
        readOnlyKinds.map((k) => sql`${k}`),
        sql`, `,
      )})
    order by created_at, id limit 1`)) as unknown as { id: string; kind: string }[];
  return next ?? null;
}
