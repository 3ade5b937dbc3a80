import { afterCommit, type Sql, type Tx } from '@slipway/db';
import { sql } from 'drizzle-orm';

// Live-stream wake-ups: one NOTIFY on EVENTS_CHANNEL per operation that got events, sent AFTER the
// transaction that wrote them committed, batched per process. A NOTIFY inside the writing
// transaction makes Postgres take its cluster-wide notification lock at commit and hold it through
// the WAL flush, so every such commit on the server ran one at a time: bench/ saw the API's creates
// and the worker's transitions mostly waiting on that lock (`Lock:object` in pg_stat_activity),
// capped near one commit per fsync (issue 10). A NOTIFY on its own writes nothing and commits
// without a flush. Sent after commit, a wake-up never precedes the rows it announces and never
// announces a rollback; one lost with a crashing process costs only latency (followers re-read on
// a timer, watch.ts).

/** The NOTIFY channel; the payload is a watch.ts Notice (JSON). */
export const EVENTS_CHANNEL = 'slipway_events';

/** A watch.ts Notice, built from the operation row `o`. */
const PAYLOAD = `json_build_object('op', o.id, 'owner', o.owner_id, 'type', o.resource_type, 'rid', o.resource_id)::text`;
/** One statement for a whole batch. */
const NOTIFY = `select count(pg_notify($1::text, ${PAYLOAD}))::int as sent from operations o where o.id = any($2::uuid[])`;

type Batch = { ids: Set<string>; sending: boolean };
const batches = new WeakMap<Sql, Batch>();

/**
 * Wakes the live streams of these operations (their events are committed). Ids noted in the same
 * turn of the event loop, or while the previous batch is on its way, go out together: at most one
 * NOTIFY statement in flight per pool.
 */
export function sendNotices(client: Sql, ids: Iterable<string>): void {
  let batch = batches.get(client);
  if (!batch) {
    batch = { ids: new Set(), sending: false };
    batches.set(client, batch);
  }
  const wasEmpty = batch.ids.size === 0;
  for (const id of ids) batch.ids.add(id);
  if (wasEmpty && batch.ids.size > 0 && !batch.sending) setImmediate(() => void send(client, batch));
}

async function send(client: Sql, batch: Batch): Promise<void> {
  while (batch.ids.size > 0) {
    const ids = [...batch.ids];
    batch.ids.clear();
    batch.sending = true;
    try {
      await client.unsafe(NOTIFY, [EVENTS_CHANNEL, ids], { prepare: true });
    } catch {
      // Pool closed or Postgres away: the followers' timer re-read covers a lost wake-up.
    } finally {
      batch.sending = false;
    }
  }
}

/**
 * Inside the transaction `tx` that wrote events of these operations: their wake-up once it commits
 * (`afterCommit`), or, for a transaction that cannot be followed to its end, a NOTIFY inside it.
 */
export async function notifyOnCommit(tx: Tx, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  if (afterCommit(tx, (client) => sendNotices(client, ids))) return;
  await tx.execute(
    sql`select count(pg_notify(${EVENTS_CHANNEL}::text, ${sql.raw(PAYLOAD)}))::int as sent
      from operations o where o.id = any(${sql.param([...ids])}::uuid[])`,
  );
}
