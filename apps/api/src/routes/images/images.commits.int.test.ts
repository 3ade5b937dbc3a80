import { createDb, type DbHandle } from '@slipway/db';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTestApi, type TestApi, uniqueName } from '../../test-helpers.ts';

// How many transactions Postgres commits per POST /api/container-images with an Idempotency-Key:
// a count, not a timing, so it holds on a loaded machine. pg_stat_database of the test's private
// database is read after its backends were ended (a backend flushes its counts when it exits; an
// idle one may hold them for 10 s). Reconnecting, fetching types and preparing statements cost the
// same in a batch of 2 and one of 12, so the difference of the two batches divided by 10 is what one
// create costs.

let api: TestApi;
let admin: DbHandle;
beforeAll(async () => {
  // The user row cached for the whole test, as the API does for 5 s in production.
  api = await createTestApi({ userCacheMs: 60_000 });
  // Another database of the same server (reading the stats from the test database would add to them).
  admin = createDb({ url: inject('pgAdminUrl'), max: 1 });
});
afterAll(async () => {
  await admin?.close();
  await api?.close();
});

/** Ends every session of the test database and waits until they have gone (and flushed). */
async function quiesce(): Promise<number> {
  const name = api.db.name;
  for (let i = 0; i < 200; i++) {
    const live = await admin.sql`
      select pg_terminate_backend(pid) from pg_stat_activity where datname = ${name} and pid <> pg_backend_pid()`;
    if (live.length === 0) break;
    await new Promise((r) => setTimeout(r, 25));
  }
  await admin.sql`select pg_stat_clear_snapshot()`;
  const [r] = await admin.sql<{ tx: string }[]>`
    select xact_commit + xact_rollback as tx from pg_stat_database where datname = ${name}`;
  return Number(r?.tx);
}

async function creates(n: number): Promise<number> {
  const before = await quiesce();
  for (let i = 0; i < n; i++) {
    const r = await api.call('POST', '/api/container-images', {
      token: api.alice.token,
      body: { name: uniqueName('tx'), repository: 'docker.io/acme' },
      headers: { 'Idempotency-Key': uniqueName('tx-key') },
    });
    expect(r.status).toBe(201);
  }
  return (await quiesce()) - before;
}

describe('POST /api/container-images: transactions per create', () => {
  // Two write: the create, which claims the key in its own statement (with the image, operation,
  // first event and audit row), and the stored response with the audit status. The third is the live
  // streams' wake-up, a NOTIFY on its own after the create committed (core's operations/notices.ts):
  // it writes nothing and waits for no WAL flush.
  it('three: the create with its key claim and audit row, the wake-up, the stored response with the audit status', async () => {
    await creates(1); // warm: the user row cached
    const two = await creates(2);
    const twelve = await creates(12);
    expect((twelve - two) / 10).toBe(3);
    // What those transactions left: one image, operation, first event and audit row (with its final
    // status) per create, and each key with its stored response.
    const [rows] = await api.db.sql<
      { images: number; ops: number; events: number; audited: number; keys: number }[]
    >`select (select count(*) from container_images where name like 'tx-%')::int as images,
             (select count(*) from operations where kind = 'image.build')::int as ops,
             (select count(*) from operation_events e join operations o on o.id = e.operation_id
               where o.kind = 'image.build')::int as events,
             (select count(*) from audit_log where action = 'POST /api/container-images'
               and status_code = 201 and resource_id is not null)::int as audited,
             (select count(*) from idempotency_keys where key like 'tx-key-%'
               and response_status = 201)::int as keys`;
    expect(rows).toEqual({ images: 15, ops: 15, events: 15, audited: 15, keys: 15 });
  });

  // A keyed create refused before its statement (here by validation) stores its answer with the key's
  // claim in one statement: one transaction for the key, plus the audit row of the refusal.
  it('a keyed refusal: the key claimed with its stored answer in one transaction, and the audit row', async () => {
    const refusals = async (n: number) => {
      const before = await quiesce();
      for (let i = 0; i < n; i++) {
        const r = await api.call('POST', '/api/container-images', {
          token: api.alice.token,
          body: { repository: 'docker.io/acme' },
          headers: { 'Idempotency-Key': uniqueName('no-key') },
        });
        expect(r.status).toBe(422);
      }
      return (await quiesce()) - before;
    };
    await refusals(1);
    const two = await refusals(2);
    const twelve = await refusals(12);
    expect((twelve - two) / 10).toBe(2);
    const [rows] = await api.db.sql<{ keys: number }[]>`
      select count(*)::int as keys from idempotency_keys where key like 'no-key-%' and response_status = 422`;
    expect(rows?.keys).toBe(15);
  });
});
