// How many Postgres transactions the worker commits per image build: a count, not a timing, so it
// holds on a loaded machine. Before issue 10's worker changes an image build cost ~7 (claim,
// fenced progress and log writes, settlement, wake-next SELECT, ...); then 3 (the claim, the image
// read, the settlement); now 2: the image is read in the claim's transaction (ClaimOptions.readResource),
// and claims (and settlements) made while another is on its way share its successor's transaction
// (operations/group.ts), so fewer when builds run side by side.
// The live streams' wake-ups (operations/notices.ts: a NOTIFY statement after a commit, batched) are
// counted apart. pg_stat_database's xact_commit of a private database, read from another database so
// reading does not count.
import { type Actor, type CoreDeps, createImage, silentLogger } from '@slipway/core';
import { createDb } from '@slipway/db';
import { createDrivers, driverNames } from '@slipway/drivers';
import { createProducer } from '@slipway/jobs';
import { createTestDatabase, insertUser, testPrefix, testRedisUrl } from '@slipway/testing';
import postgres from 'postgres';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { loadWorkerConfig } from './config.ts';
import { startWorker } from './worker.ts';

const OPS = 30;

describe('worker: Postgres commits per operation', () => {
  const cleanup: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    for (const f of cleanup.reverse()) await f().catch(() => {});
  });

  it(`an image build commits 2 transactions in the worker (claim with the image read, settlement) and its wake-ups: ${OPS} builds`, async () => {
    const t = await createTestDatabase();
    cleanup.push(() => t.drop());
    const admin = postgres(inject('pgAdminUrl'), { max: 1, onnotice: () => {} });
    cleanup.push(() => admin.end());
    const commits = async () => {
      const [r] = await admin<{ n: string }[]>`
        select xact_commit as n from pg_stat_database where datname = ${t.name}`;
      return Number(r?.n);
    };
    // A backend flushes its counts shortly after it goes idle (or when it exits): wait until they stand still.
    const settled = async () => {
      let last = await commits();
      for (let i = 0; i < 50; i++) {
        await new Promise((r) => setTimeout(r, 300));
        const now = await commits();
        if (now === last) return now;
        last = now;
      }
      throw new Error('pg_stat_database never settled');
    };

    const prefix = testPrefix();
    const producer = createProducer({ redisUrl: testRedisUrl(), prefix });
    cleanup.push(() => producer.close());
    const drivers = (
      await createDrivers({
        mode: 'sandbox',
        sandbox: { timeScale: 0.0001 },
        buildContextRoot: process.cwd(),
      })
    ).drivers;
    const u = await insertUser(t.db, 'operator');
    const owner: Actor = { id: u.id, role: 'operator' };
    const creator: CoreDeps = { db: t.db, producer, driver: driverNames(drivers), log: silentLogger };
    for (let i = 0; i < OPS; i++)
      await createImage(creator, owner, { name: `img-${i}`, tag: 'v1', repository: 'r.local/app' });
    await t.close();
    const before = await settled();

    // The worker on its own pool; the reconciler sweeps once at start (its interval is past the test).
    const config = loadWorkerConfig({
      DATABASE_URL: t.url,
      REDIS_URL: testRedisUrl(),
      QUEUE_PREFIX: prefix,
      SANDBOX_TIME_SCALE: '0.0001',
      WORKER_CONCURRENCY: '4',
      RECONCILE_INTERVAL_MS: '600000',
      LOG_LEVEL: 'silent',
    });
    const pool = createDb({ url: t.url, max: 6 });
    // The wake-ups go out as their own statements on the pool (notices.ts): counted as they pass.
    let wakeUps = 0;
    const unsafe = pool.sql.unsafe.bind(pool.sql);
    pool.sql.unsafe = ((
      text: string,
      ...rest: Parameters<typeof unsafe> extends [string, ...infer R] ? R : never
    ) => {
      if (text.includes('pg_notify(')) wakeUps++;
      return unsafe(text, ...rest);
    }) as typeof pool.sql.unsafe;
    let done = 0;
    const finished = new Promise<void>((ok) => {
      const worker = startWorker({
        config,
        deps: { db: pool.db, producer, driver: driverNames(drivers), log: silentLogger },
        drivers,
        log: silentLogger,
      });
      cleanup.push(() => worker.shutdown(500));
      for (const w of worker.workers)
        w.on('completed', () => {
          if (++done === OPS) ok();
        });
    });
    await finished;
    await pool.close();
    const after = await settled();

    const check = postgres(t.url, { max: 1, onnotice: () => {} });
    const [r] = await check<{ ok: number }[]>`
      select count(*) filter (where status = 'succeeded')::int as ok from operations where kind = 'image.build'`;
    await check.end();
    expect(r?.ok).toBe(OPS);
    // At most 2 per build (fewer when claims or settlements went out together), plus the one start-up
    // sweep, a type lookup per pooled connection and, when a run spans the 250 ms flusher tick (a slow
    // machine), a progress write: at most 2.5 on average (was 3, and ~7 before). Wake-ups: at most one
    // per claim and one per settlement, fewer when batched.
    const perOp = (after - before - wakeUps) / OPS;
    expect(wakeUps).toBeGreaterThan(0);
    expect(wakeUps).toBeLessThanOrEqual(2 * OPS);
    expect(after - before - wakeUps).toBeGreaterThan(0);
    expect(
      perOp,
      `${perOp.toFixed(2)} commits per operation besides ${wakeUps} wake-ups`,
    ).toBeLessThanOrEqual(2.5);
  }, 60_000);
});
