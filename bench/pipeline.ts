// Phase 2: the operation pipeline end to end, in this process: core's createImage (resource + operation
// in one transaction, then BullMQ enqueue) -> the real worker (startWorker: claim CAS, lease, sandbox
// build with zero simulated delay, transition CAS, events) -> terminal. Times come from Postgres
// (operations.created_at / started_at / finished_at), so they are what a client polling would see.
// Each worker concurrency gets its own cloned database and queue prefix: no leftovers, no reconciler
// picking up another run's rows.
import { type CoreDeps, createImage, ensureAdmin, silentLogger } from '@slipway/core';
import { createDb } from '@slipway/db';
import { createDrivers, driverNames } from '@slipway/drivers';
import { createProducer } from '@slipway/jobs';
import { loadWorkerConfig, startWorker } from '@slipway/worker';
import { type Summary, summarize } from './stats.ts';

export type PipelineRow = {
  concurrency: number;
  ops: number;
  succeeded: number;
  failed: number;
  /** Operations finished per second: n / (last finished_at - first created_at). */
  opsPerSec: number;
  /** created_at -> finished_at (includes waiting in the queue behind the other operations). */
  endToEnd: Summary;
  /** created_at -> started_at (queue wait + pickup). */
  wait: Summary;
  /** started_at -> finished_at (the worker's own work per operation). */
  run: Summary;
  timedOut: boolean;
  /** Distinct error texts of operations that did not succeed (a benchmark run should have none). */
  errors: string[];
};

export type PipelineOptions = {
  databaseUrl: string;
  redisUrl: string;
  prefix: string;
  concurrency: number;
  ops: number;
  /** In-flight createImage calls (the producer side); small, so creation is not the bottleneck. */
  creators: number;
  deadlineMs: number;
};

const TERMINAL = ['succeeded', 'failed', 'cancelled'];

export async function runPipelineBench(o: PipelineOptions): Promise<PipelineRow> {
  const db = createDb({ url: o.databaseUrl, max: Math.min(20, o.concurrency * 2 + 4) });
  const producer = createProducer({ redisUrl: o.redisUrl, prefix: o.prefix });
  let worker: ReturnType<typeof startWorker> | null = null;
  try {
    await producer.ready(5000);
    // timeScale 0: the sandbox "build" costs nothing, so the numbers are the pipeline's own overhead.
    const { drivers } = await createDrivers({
      mode: 'sandbox',
      sandbox: { timeScale: 0 },
      buildContextRoot: process.cwd(),
    });
    const deps: CoreDeps = { db: db.db, producer, driver: driverNames(drivers), log: silentLogger };
    const config = loadWorkerConfig({
      DATABASE_URL: o.databaseUrl,
      REDIS_URL: o.redisUrl,
      DRIVER: 'sandbox',
      LOG_LEVEL: 'silent',
      QUEUE_PREFIX: o.prefix,
      WORKER_CONCURRENCY: String(o.concurrency),
      WORKER_ID: `bench-c${o.concurrency}`,
      WORKER_SHUTDOWN_GRACE_MS: '5000',
    });
    const owner = await ensureAdmin(deps, 'owner@bench.local', 'bench-owner-password');
    worker = startWorker({ config, deps, drivers, log: silentLogger });
    await Promise.all(worker.workers.map((w) => w.waitUntilReady()));

    let next = 0;
    await Promise.all(
      Array.from({ length: o.creators }, async () => {
        while (next < o.ops) {
          const i = next++;
          await createImage(
            deps,
            { id: owner.id, role: owner.role },
            { name: `img-${i}`, tag: 'v1', repository: 'bench.local/app' },
          );
        }
      }),
    );

    const deadline = Date.now() + o.deadlineMs;
    let timedOut = false;
    for (;;) {
      const [row] = await db.sql<{ n: number }[]>`
        select count(*)::int as n from operations where kind = 'image.build' and status = any(${TERMINAL})`;
      if ((row?.n ?? 0) >= o.ops) break;
      if (Date.now() > deadline) {
        timedOut = true;
        break;
      }
      await new Promise((r) => setTimeout(r, 50));
    }

    const rows = await db.sql<
      {
        status: string;
        error: string | null;
        created: number;
        started: number | null;
        finished: number | null;
      }[]
    >`
      select status, error,
             extract(epoch from created_at) * 1000 as created,
             extract(epoch from started_at) * 1000 as started,
             extract(epoch from finished_at) * 1000 as finished
        from operations where kind = 'image.build'`;
    const done = rows.filter((r) => r.finished !== null && TERMINAL.includes(r.status));
    const num = (v: number | string | null) => Number(v);
    const firstCreated = Math.min(...rows.map((r) => num(r.created)));
    const lastFinished = Math.max(...done.map((r) => num(r.finished)));
    return {
      concurrency: o.concurrency,
      ops: rows.length,
      succeeded: done.filter((r) => r.status === 'succeeded').length,
      failed: done.filter((r) => r.status !== 'succeeded').length,
      opsPerSec: done.length / ((lastFinished - firstCreated) / 1000),
      endToEnd: summarize(done.map((r) => num(r.finished) - num(r.created))),
      wait: summarize(done.map((r) => num(r.started) - num(r.created))),
      run: summarize(done.map((r) => num(r.finished) - num(r.started))),
      timedOut,
      errors: [
        ...new Set(rows.filter((r) => r.status !== 'succeeded').map((r) => `${r.status}: ${r.error}`)),
      ],
    };
  } finally {
    await worker?.shutdown(5000).catch(() => {});
    await producer.close().catch(() => {});
    await db.close().catch(() => {});
  }
}
