import { createProducer, type Producer } from '@slipway/jobs';
import {
  createTestDatabase,
  insertUser,
  type TestDatabase,
  testPrefix,
  testRedisUrl,
} from '@slipway/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CoreDeps } from '../deps.ts';
import { reconcile } from './reconcile.ts';

let t: TestDatabase;
let producer: Producer;

beforeAll(async () => {
  t = await createTestDatabase();
  producer = createProducer({ redisUrl: testRedisUrl(), prefix: testPrefix() });
  await producer.ready();
});
afterAll(async () => {
  await producer?.close();
  await t?.drop();
});

describe('reconciler', () => {
  it('holds no transaction or advisory lock while it talks to Redis, and batches the look-ups', async () => {
    const owner = await insertUser(t.db);
    // 30 queued operations Redis never heard of (their enqueue was lost), plus 5 whose worker died.
    await t.sql`insert into operations (owner_id, kind, resource_type, resource_id, status, updated_at)
      select ${owner.id}, 'image.build', 'container_image', gen_random_uuid(), 'queued', now() - interval '1 minute'
      from generate_series(1, 30)`;
    await t.sql`insert into operations (owner_id, kind, resource_type, resource_id, status, attempts, lease_token, lease_expires_at)
      select ${owner.id}, 'image.build', 'container_image', gen_random_uuid(), 'running', 1, gen_random_uuid(), now() - interval '1 minute'
      from generate_series(1, 5)`;

    // The real producer, observed: at every Redis look-up, what does Postgres see of this sweep?
    const seen: { lock: number; inTx: number }[] = [];
    let inFlight = 0;
    let maxInFlight = 0;
    const observed: Producer = {
      ...producer,
      async holds(name, id) {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        const [row] = await t.sql`select
            (select count(*)::int from pg_locks where locktype = 'advisory' and objid = 7150003) as lock,
            (select count(*)::int from pg_stat_activity where datname = current_database()
               and state like 'idle in transaction%') as "inTx"`;
        seen.push(row as { lock: number; inTx: number });
        try {
          return await producer.holds(name, id);
        } finally {
          inFlight--;
        }
      },
    };
    const deps: CoreDeps = {
      db: t.db,
      producer: observed,
      driver: { images: 'sandbox', clusters: 'sandbox', workloads: 'sandbox', charts: 'sandbox' },
    };
    const report = await reconcile(deps, { queuedGraceMs: 1000, maxAttempts: 5, redisBatch: 10 });
    expect(report).toMatchObject({ redriven: 5, reenqueued: 35, failed: 0, skipped: false });
    expect(seen).toHaveLength(35);
    expect(seen.every((s) => s.lock === 0 && s.inTx === 0)).toBe(true);
    expect(maxInFlight).toBe(10);
    // What it enqueued is really in Redis, and a second sweep finds nothing missing.
    const [op] = await t.sql`select id from operations where status = 'queued' limit 1`;
    expect(await producer.holds('image.build', String(op?.id))).toBe(true);
    const again = await reconcile({ ...deps, producer }, { queuedGraceMs: 0, maxAttempts: 5 });
    expect(again).toMatchObject({ reenqueued: 0, skipped: false });
  });
});
