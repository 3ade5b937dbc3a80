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
import { claimOperation } from './lease.ts';
import { reconcile, redriveDelay } from './reconcile.ts';

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

  it('re-drives lost operations after a delay that grows with their attempts; they are then claimed only alone', async () => {
    const own = await createTestDatabase();
    try {
      const owner = await insertUser(own.db);
      // Four operations whose worker died: two on their first attempt, two on their second.
      const lost =
        (await own.sql`insert into operations (owner_id, kind, resource_type, resource_id, status, attempts, lease_token, lease_expires_at)
        select ${owner.id}, 'image.build', 'container_image', gen_random_uuid(), 'running', 1 + g % 2, gen_random_uuid(), now() - interval '1 minute'
        from generate_series(1, 4) g returning id, attempts`) as unknown as {
          id: string;
          attempts: number;
        }[];
      const deps: CoreDeps = {
        db: own.db,
        producer,
        driver: { images: 'sandbox', clusters: 'sandbox', workloads: 'sandbox', charts: 'sandbox' },
      };
      const report = await reconcile(deps, {
        queuedGraceMs: 1000,
        maxAttempts: 5,
        redriveDelayMs: 1000,
        random: () => 0.5,
      });
      expect(report).toMatchObject({ redriven: 4, reenqueued: 4, failed: 0 });
      // Each waits in Redis, delayed by its own loss count: 0.75 s after one attempt, 1.5 s after two.
      const q = producer.queue('images');
      for (const op of lost) {
        const job = await q.getJob(op.id);
        expect(await job?.getState()).toBe('delayed');
        expect(job?.delay).toBe(op.attempts === 1 ? 750 : 1500);
      }

      // Lost before: a worker that runs other operations is told to isolate it (no attempt spent);
      // claimed alone, it runs as its next attempt.
      const one = lost.find((o) => o.attempts === 1);
      if (!one) throw new Error('unreachable');
      const opts = { leaseMs: 5000, workerId: 'w-busy' };
      expect(await claimOperation(own.db, one.id, { ...opts, alone: false })).toEqual({ outcome: 'isolate' });
      const [row] = await own.sql`select status, attempts from operations where id = ${one.id}`;
      expect(row).toEqual({ status: 'queued', attempts: 1 });
      const alone = await claimOperation(own.db, one.id, { ...opts, alone: true });
      expect(alone.outcome === 'claimed' && alone.lease.op.attempts).toBe(2);

      // An operation never lost is claimed beside others as before.
      const [fresh] = await own.sql`insert into operations (owner_id, kind, resource_type, resource_id)
        values (${owner.id}, 'image.build', 'container_image', gen_random_uuid()) returning id`;
      const ordinary = await claimOperation(own.db, String(fresh?.id), { ...opts, alone: false });
      expect(ordinary.outcome).toBe('claimed');

      // A running operation whose lease expired is not taken over without `takeOver`: the reconciler
      // counts that loss (and dead-letters it once its attempts are used up).
      const [dead] =
        await own.sql`insert into operations (owner_id, kind, resource_type, resource_id, status, attempts, lease_token, lease_expires_at)
        values (${owner.id}, 'image.build', 'container_image', gen_random_uuid(), 'running', 1, gen_random_uuid(), now() - interval '1 minute')
        returning id`;
      const left = await claimOperation(own.db, String(dead?.id), { ...opts, takeOver: false });
      expect(left).toEqual({ outcome: 'lost' });
      const [still] = await own.sql`select status, attempts from operations where id = ${String(dead?.id)}`;
      expect(still).toEqual({ status: 'running', attempts: 1 });
    } finally {
      await own.drop();
    }
  });

  it('redriveDelay: doubles with the attempts, jittered over its upper half, capped at 60 s', () => {
    expect([redriveDelay(1, 1000, () => 0), redriveDelay(1, 1000, () => 1)]).toEqual([500, 1000]);
    expect([redriveDelay(2, 1000, () => 0), redriveDelay(2, 1000, () => 1)]).toEqual([1000, 2000]);
    expect(redriveDelay(3, 1000, () => 0.5)).toBe(3000);
    expect(redriveDelay(20, 1000, () => 1)).toBe(60_000);
  });
});
