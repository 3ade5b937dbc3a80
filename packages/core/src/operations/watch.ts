import {
  clusters,
  containerImages,
  deployments,
  helmCharts,
  operationEvents,
  operations,
  type ResourceType,
  type Sql,
  services,
} from '@slipway/db';
import { and, asc, eq, gt, lte, notInArray, type SQL, sql } from 'drizzle-orm';
import { ownerFilter } from '../access.ts';
import type { Actor, CoreDeps, Logger } from '../deps.ts';
import { notFound } from '../errors.ts';
import { terminalOperationStatuses } from '../status/operation.ts';
import { EVENTS_CHANNEL } from './notices.ts';
import { runStatement } from './trip.ts';

// Live streams of operation events (SSE at the HTTP edge). Postgres is the authority: a follower
// reads committed operation_events rows after a cursor (operation_events.id, the monotonic event id)
// and is woken by a NOTIFY sent once the transaction appending an event has committed (notices.ts;
// never for a rollback). A missed notification costs only latency: followers also re-read on a timer.

export { EVENTS_CHANNEL } from './notices.ts';

/** What a notification says: which operation (and whose, on which resource) got a new event. */
export type Notice = { op: string; owner: string; type: ResourceType; rid: string };

export type WatchEventType = 'status' | 'log' | 'progress' | 'done';

/** One SSE message: `id` is the event id (a progress message repeats the id of the last event). */
export type WatchMessage = {
  id: number;
  event: WatchEventType;
  data: {
    status: string;
    message: string;
    at: string;
    progress: number;
    /** On the resource stream (GET /api/events) only. */
    operation_id?: string;
    kind?: string;
    resource_type?: string;
    resource_id?: string;
    /** The resource's status when the event was read (null for `ai` or a deleted resource). */
    resource_status?: string | null;
  };
};

const terminal = new Set<string>(terminalOperationStatuses);
export const isTerminalStatus = (s: string): boolean => terminal.has(s);

const iso = (d: Date | string): string => (d instanceof Date ? d : new Date(d)).toISOString();

/** Rows read per round trip: a slow client never makes a follower hold more than this. */
export const WATCH_BATCH = 200;

/**
 * Follows one operation's events. `read()` returns what was committed after the cursor, classified:
 * `status` when the status differs from the previous event's, `log` when it does not, `done` for the
 * terminal event (after which `done` is true and the stream ends), and `progress` when the operation's
 * progress moved since the last read. Events of one operation are appended under its row lock, so
 * they commit in id order and a cursor never skips one.
 */
export class OperationFollower {
  readonly operationId: string;
  private readonly deps: CoreDeps;
  private cursor: number;
  private prevStatus: string | null = null;
  private lastProgress = -1;
  private seeded = false;
  done = false;

  constructor(deps: CoreDeps, operationId: string, lastEventId = 0) {
    this.deps = deps;
    this.operationId = operationId;
    this.cursor = lastEventId;
  }

  get lastEventId(): number {
    return this.cursor;
  }

  concerns(n: Notice): boolean {
    return n.op === this.operationId;
  }

  async read(): Promise<WatchMessage[]> {
    if (this.done) return [];
    const db = this.deps.db;
    if (!this.seeded) {
      this.seeded = true;
      if (this.cursor > 0) {
        // Resuming: the status the client last saw, to classify the next event.
        const [prev] = await db
          .select({ status: operationEvents.status })
          .from(operationEvents)
          .where(and(eq(operationEvents.operationId, this.operationId), lte(operationEvents.id, this.cursor)))
          .orderBy(sql`${operationEvents.id} desc`)
          .limit(1);
        this.prevStatus = prev?.status ?? null;
      }
    }
    // The operation's progress and the events after the cursor in ONE statement (one snapshot): read
    // apart, a progress write committed between the two reads would tag its own event with the old value.
    const joined = await runStatement(
      db,
      sql`select o.status as op_status, o.progress as op_progress, o.updated_at as op_updated_at,
          e.id, e.status, e.message, e.at
        from ${operations} o
        left join lateral (
          select ev.id, ev.status, ev.message, ev.at from ${operationEvents} ev
          where ev.operation_id = o.id and ev.id > ${this.cursor} order by ev.id limit ${WATCH_BATCH}
        ) e on true
        where o.id = ${this.operationId}
        order by e.id`,
    );
    const first = joined[0];
    if (!first) {
      // Deleted underneath (its resource was purged): nothing more will come.
      this.done = true;
      return [];
    }
    const op = {
      status: String(first.op_status),
      progress: Number(first.op_progress),
      updatedAt: first.op_updated_at as Date | string,
    };
    const rows = joined
      .filter((r) => r.id !== null && r.id !== undefined)
      .map((r) => ({
        id: Number(r.id),
        status: String(r.status),
        message: String(r.message),
        at: r.at as Date | string,
      }));
    const out: WatchMessage[] = [];
    for (const e of rows) {
      const event: WatchEventType = isTerminalStatus(e.status)
        ? 'done'
        : e.status !== this.prevStatus
          ? 'status'
          : 'log';
      const progress = event === 'done' && e.status === 'succeeded' ? 100 : op.progress;
      out.push({ id: e.id, event, data: { status: e.status, message: e.message, at: iso(e.at), progress } });
      this.prevStatus = e.status;
      this.cursor = e.id;
      this.lastProgress = progress;
      if (event === 'done') {
        this.done = true;
        return out;
      }
    }
    if (rows.length === 0 && isTerminalStatus(op.status)) {
      // Resumed past the terminal event: nothing more will come.
      this.done = true;
      return out;
    }
    if (rows.length < WATCH_BATCH && this.cursor > 0 && op.progress !== this.lastProgress) {
      if (this.lastProgress >= 0 || op.progress > 0) {
        out.push({
          id: this.cursor,
          event: 'progress',
          data: { status: op.status, message: '', at: iso(op.updatedAt), progress: op.progress },
        });
      }
      this.lastProgress = op.progress;
    }
    return out;
  }
}

/** 404 unless `actor` may see operation `id` (another user's operation does not exist for them). */
export async function assertCanWatch(deps: CoreDeps, actor: Actor, id: string): Promise<void> {
  const [op] = await deps.db
    .select({ id: operations.id })
    .from(operations)
    .where(and(eq(operations.id, id), ownerFilter(actor, operations.ownerId)));
  if (!op) throw notFound(id);
}

export type ResourceScope = { resourceType?: ResourceType | undefined; resourceId?: string | undefined };

/** How long an event may take from its transaction's start to its commit and still be caught. */
export const SETTLE_MS = 10_000;

const resourceStatus = sql<string | null>`case ${operations.resourceType}
  when 'container_image' then (select ${containerImages.status}::text from ${containerImages} where ${containerImages.id} = ${operations.resourceId})
  when 'helm_chart' then (select ${helmCharts.status}::text from ${helmCharts} where ${helmCharts.id} = ${operations.resourceId})
  when 'minikube_cluster' then (select ${clusters.status}::text from ${clusters} where ${clusters.id} = ${operations.resourceId})
  when 'deployment' then (select ${deployments.status}::text from ${deployments} where ${deployments.id} = ${operations.resourceId})
  when 'service' then (select ${services.status}::text from ${services} where ${services.id} = ${operations.resourceId})
  else null end`;

/**
 * Follows every status change of the caller's operations (optionally of one resource type or
 * resource): an operation's first event, each event whose status differs from the one before it, and
 * the terminal one; log lines are left out. Events of different operations can commit out of id
 * order, so besides `id > cursor` each read looks again at the last SETTLE_MS of events and sends the
 * ones it has not sent yet (remembered in a set pruned as the window moves on).
 */
export class ResourceFollower {
  private readonly deps: CoreDeps;
  private readonly actor: Actor;
  private readonly scope: ResourceScope;
  private cursor = 0;
  /** Everything at or below it the client has (its Last-Event-ID, or what existed when it connected). */
  private floor = 0;
  private started = false;
  private readonly resumeFrom: number | null;
  /** Ids sent by this follower above `floor`, with when: a late commit below the cursor is sent once. */
  private readonly sent = new Map<number, number>();
  private readonly settleMs: number;
  private readonly marks: [number, number][] = [];

  /** `lastEventId` null: live from now on (no replay); a number: replay what came after it. */
  constructor(
    deps: CoreDeps,
    actor: Actor,
    scope: ResourceScope,
    lastEventId: number | null = null,
    settleMs = SETTLE_MS,
  ) {
    this.deps = deps;
    this.actor = actor;
    this.scope = scope;
    this.resumeFrom = lastEventId;
    this.settleMs = settleMs;
  }

  get lastEventId(): number {
    return this.cursor;
  }

  /** Whether a notification concerns this follower (cheap filter before a re-read). */
  concerns(n: Notice): boolean {
    if (this.actor.role !== 'admin' && n.owner !== this.actor.id) return false;
    if (this.scope.resourceType && n.type !== this.scope.resourceType) return false;
    if (this.scope.resourceId && n.rid !== this.scope.resourceId) return false;
    return true;
  }

  /** Fixes the starting point ("now" unless resuming); call before telling the client it is connected. */
  async init(): Promise<void> {
    if (this.started) return;
    this.started = true;
    if (this.resumeFrom === null) {
      const [max] = await this.deps.db
        .select({ id: sql<number | null>`max(${operationEvents.id})` })
        .from(operationEvents);
      this.floor = Number(max?.id ?? 0);
    } else {
      this.floor = this.resumeFrom;
    }
    this.cursor = this.floor;
  }

  async read(): Promise<WatchMessage[]> {
    await this.init();
    const prev = sql<
      string | null
    >`(select p.status from ${operationEvents} p where p.operation_id = ${operationEvents.operationId} and p.id < ${operationEvents.id} order by p.id desc limit 1)`;
    const scoped = (range: SQL | undefined) =>
      this.deps.db
        .select({
          id: operationEvents.id,
          status: operationEvents.status,
          message: operationEvents.message,
          at: operationEvents.at,
          operationId: operations.id,
          kind: operations.kind,
          resourceType: operations.resourceType,
          resourceId: operations.resourceId,
          progress: operations.progress,
          resourceStatus,
        })
        .from(operationEvents)
        .innerJoin(operations, eq(operations.id, operationEvents.operationId))
        .where(
          and(
            range,
            ownerFilter(this.actor, operations.ownerId),
            this.scope.resourceType ? eq(operations.resourceType, this.scope.resourceType) : undefined,
            this.scope.resourceId ? eq(operations.resourceId, this.scope.resourceId) : undefined,
            sql`${operationEvents.status} is distinct from ${prev}`,
          ),
        )
        .orderBy(asc(operationEvents.id))
        .limit(WATCH_BATCH);
    // Late commits: below the cursor, inside the settle window, not sent yet.
    const sentIds = [...this.sent.keys()];
    const late =
      this.cursor > this.floor
        ? await scoped(
            and(
              gt(operationEvents.id, this.floor),
              lte(operationEvents.id, this.cursor),
              sql`${operationEvents.at} > now() - make_interval(secs => ${this.settleMs / 1000})`,
              sentIds.length > 0 ? notInArray(operationEvents.id, sentIds) : undefined,
            ),
          )
        : [];
    const rows = [...late, ...(await scoped(gt(operationEvents.id, this.cursor)))];
    const now = Date.now();
    const out: WatchMessage[] = [];
    for (const r of rows) {
      if (this.sent.has(r.id)) continue;
      out.push({
        id: r.id,
        event: isTerminalStatus(r.status) ? 'done' : 'status',
        data: {
          status: r.status,
          message: r.message,
          at: iso(r.at),
          progress: r.status === 'succeeded' ? 100 : r.progress,
          operation_id: r.operationId,
          kind: r.kind,
          resource_type: r.resourceType,
          resource_id: r.resourceId,
          resource_status: r.resourceStatus,
        },
      });
      this.sent.set(r.id, now);
      if (r.id > this.cursor) this.cursor = r.id;
    }
    for (const [id, t] of this.sent) if (now - t > this.settleMs * 2) this.sent.delete(id);
    // Ids at or below a cursor older than twice the window were handed out before then: whatever of
    // them has not committed by now is past the window, so the floor moves up (the late scan stays short).
    const last = this.marks[this.marks.length - 1];
    if (!last || now - last[0] >= this.settleMs / 8) this.marks.push([now, this.cursor]);
    while (this.marks.length > 0 && now - (this.marks[0]?.[0] ?? now) > this.settleMs * 2) {
      const [, c] = this.marks.shift() ?? [0, 0];
      if (c > this.floor) this.floor = c;
    }
    return out;
  }
}

export type EventHub = {
  /** Calls `fn` for every notification (and with null when the listen connection was re-established). */
  subscribe(fn: (n: Notice | null) => void): () => void;
  /** Resolves once LISTEN is in place. */
  ready(): Promise<void>;
  close(): Promise<void>;
};

/**
 * One LISTEN connection per process (postgres.js keeps a dedicated one and re-listens after a
 * reconnect; each reconnect tells subscribers `null`, meaning "re-read: you may have missed some").
 */
export function createEventHub(sqlClient: Sql, log?: Logger): EventHub {
  const subs = new Set<(n: Notice | null) => void>();
  let listening: Promise<{ unlisten(): Promise<void> }> | null = null;
  let first = true;
  const emit = (n: Notice | null) => {
    for (const fn of subs) {
      try {
        fn(n);
      } catch (err) {
        log?.warn({ err }, 'event subscriber failed');
      }
    }
  };
  const start = () => {
    listening ??= sqlClient
      .listen(
        EVENTS_CHANNEL,
        (payload) => {
          try {
            emit(JSON.parse(payload) as Notice);
          } catch (err) {
            log?.warn({ err }, 'unreadable event notification');
          }
        },
        () => {
          if (first) first = false;
          else emit(null);
        },
      )
      .catch((err: unknown) => {
        listening = null;
        throw err;
      });
    return listening;
  };
  return {
    subscribe(fn) {
      subs.add(fn);
      void start().catch((err: unknown) =>
        log?.warn({ err }, 'LISTEN failed; streams fall back to re-reading'),
      );
      return () => {
        subs.delete(fn);
      };
    },
    async ready() {
      await start();
    },
    async close() {
      subs.clear();
      const l = listening;
      listening = null;
      if (l) await (await l.catch(() => null))?.unlisten().catch(() => {});
    },
  };
}
