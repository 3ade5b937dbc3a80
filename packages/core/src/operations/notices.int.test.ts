import { createDb, operationEvents } from '@slipway/db';
import { createTestDatabase, insertUser, type TestDatabase } from '@slipway/testing';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EVENTS_CHANNEL, sendNotices } from './notices.ts';
import { appendEvent, insertOperation } from './record.ts';

// Live-stream wake-ups go out after the writing transaction committed (never from inside it, where
// NOTIFY serialises every commit on the server behind its notification lock), never for a
// rollback, and in batches.
let t: TestDatabase;
let ownerId: string;
const received: { op: string; at: number }[] = [];
let unlisten: () => Promise<void>;

beforeAll(async () => {
  t = await createTestDatabase();
  ownerId = (await insertUser(t.db)).id;
  const l = await t.sql.listen(EVENTS_CHANNEL, (p) => {
    received.push({ op: (JSON.parse(p) as { op: string }).op, at: Date.now() });
  });
  unlisten = () => l.unlisten();
});
afterAll(async () => {
  await unlisten?.();
  await t?.drop();
});

const newOp = () =>
  insertOperation(t.db, {
    ownerId,
    kind: 'image.build',
    resourceType: 'container_image',
    resourceId: crypto.randomUUID(),
  });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function noticesOf(op: string, waitMs = 1000) {
  for (let i = 0; i < waitMs / 10 && !received.some((r) => r.op === op); i++) await sleep(10);
  return received.filter((r) => r.op === op);
}

describe('operation notices', () => {
  it('an event appended in a transaction is announced once it has committed, not before', async () => {
    const op = await newOp();
    await noticesOf(op.id); // insertOperation's own `queued` event on the plain db
    received.length = 0;
    let committedAt = 0;
    // Every statement drizzle runs inside the transaction is seen here: none may NOTIFY.
    const seen: string[] = [];
    const h = createDb({ url: t.url, max: 2, onQuery: (q) => seen.push(q) });
    try {
      await h.db.transaction(async (tx) => {
        await appendEvent(tx, op.id, 'running', 'inside');
        await sleep(300); // a NOTIFY sent now would arrive before the row is visible
        expect(received.filter((r) => r.op === op.id)).toHaveLength(0);
        committedAt = Date.now();
      });
    } finally {
      await sleep(100);
      await h.close();
    }
    expect(seen.some((q) => q.includes('insert into "operation_events"'))).toBe(true);
    expect(seen.filter((q) => q.includes('pg_notify'))).toEqual([]);
    const got = await noticesOf(op.id);
    expect(got).toHaveLength(1);
    expect(got[0]?.at).toBeGreaterThanOrEqual(committedAt);
    const rows = await t.db.select().from(operationEvents).where(eq(operationEvents.operationId, op.id));
    expect(rows.map((r) => r.message)).toContain('inside');
  });

  it('a rolled back transaction announces nothing; a nested one waits for the outermost commit', async () => {
    const op = await newOp();
    await noticesOf(op.id);
    received.length = 0;
    await expect(
      t.db.transaction(async (tx) => {
        await appendEvent(tx, op.id, 'running', 'rolled back');
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    expect(await noticesOf(op.id, 300)).toHaveLength(0);

    await t.db.transaction(async (tx) => {
      await tx.transaction(async (inner) => {
        await appendEvent(inner, op.id, 'running', 'nested');
      });
      await sleep(200);
      expect(received.filter((r) => r.op === op.id)).toHaveLength(0);
    });
    expect(await noticesOf(op.id)).toHaveLength(1);
  });

  it('wake-ups noted in one turn of the event loop go out as one statement', async () => {
    const ops = await Promise.all(Array.from({ length: 20 }, () => newOp()));
    for (const o of ops) await noticesOf(o.id);
    received.length = 0;
    let notifies = 0;
    // The real pool, its statements counted on their way through (a pass-through spy, not a double).
    const client = new Proxy(t.sql, {
      get(target, prop, receiver) {
        if (prop !== 'unsafe') return Reflect.get(target, prop, receiver);
        return (query: string, ...rest: unknown[]) => {
          if (query.includes('pg_notify')) notifies++;
          return (target.unsafe as (...a: unknown[]) => unknown)(query, ...rest);
        };
      },
    });
    for (const o of ops) sendNotices(client, [o.id]);
    sendNotices(client, [ops[0]?.id ?? '']); // the same id twice in a batch: one notice
    for (const o of ops) expect(await noticesOf(o.id)).toHaveLength(1);
    expect(notifies).toBe(1);
  });
});
