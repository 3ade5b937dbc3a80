// `npm run bench`: Slipway next to the bare stack it stands on, in one run, on this machine (issue 10).
// Slipway = the production bundles (bench/stack/build.ts) as child processes, every feature on
// (JWT verification, user row cached, shared Redis rate limit, Idempotency-Key, audit, metrics,
// tracing exported over OTLP/HTTP to a local sink, request logs at LOG_LEVEL=info into a file).
// Bare = bench/stack/bare-server.ts (Hono + postgres.js) and bench/stack/bare-worker.ts (BullMQ).
// Load: wrk (bench/stack/load.ts). Rounds interleave Slipway and bare; medians are printed.
// Progress goes to stderr, the Markdown report to stdout. Cleans up its databases, Redis keys and
// files at the end, on failure, on SIGINT/SIGTERM and at the hard limit.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import postgres from 'postgres';
import { type BenchInfra, benchCore, createInfra, freePort } from './infra.ts';
import { type Bundles, buildBundles } from './stack/build.ts';
import { benchServices, envNumber, envPairs } from './stack/env.ts';
import { type LoadResult, loadTool, runLoad, type Target } from './stack/load.ts';
import { fileSize, type Proc, spawnNode, waitHttp, waitLog } from './stack/procs.ts';
import { copyHttpRows, seedHttpUsers } from './stack/seed.ts';
import { otlpSink } from './stack/sink.ts';
import { ms, percentile, table } from './stats.ts';

const root = join(import.meta.dirname, '..');
const PHASES = ['poll', 'create', 'pipeline', 'paced', 'io'] as const;
type Phase = (typeof PHASES)[number];
/** BENCH_ONLY=create or =poll,pipeline: only those phases run (empty: all of them). */
function phasesOf(v: string): ReadonlySet<Phase> {
  const names = v
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);
  for (const n of names)
    if (!(PHASES as readonly string[]).includes(n))
      throw new Error(`BENCH_ONLY: unknown phase ${n} (phases: ${PHASES.join(', ')})`);
  return new Set((names.length ? names : PHASES) as Phase[]);
}
const num = envNumber;
const S = {
  ...benchServices,
  rounds: num('BENCH_ROUNDS', 3),
  durationS: num('BENCH_DURATION_S', 5),
  /** Unmeasured load per path and side before the rounds: V8 tiers Slipway's middleware chain up for ~15 s. */
  warmupS: num('BENCH_WARMUP_S', 5),
  connections: num('BENCH_CONNECTIONS', 50),
  threads: num('BENCH_THREADS', 1),
  pipelineOps: num('BENCH_PIPELINE_OPS', 2000),
  pipelineRounds: num('BENCH_PIPELINE_ROUNDS', 2),
  /** Throughput is measured over at most this many seconds from the first start. */
  windowS: num('BENCH_WINDOW_S', 15),
  workerConcurrency: num('BENCH_WORKER_CONCURRENCY', 50),
  timeScale: num('BENCH_TIME_SCALE', 0.0001),
  pacedRate: num('BENCH_PACED_RATE', 50),
  pacedS: num('BENCH_PACED_S', 6),
  pacedWarmup: num('BENCH_PACED_WARMUP', 25),
  ioOps: num('BENCH_IO_OPS', 120),
  ioConcurrency: num('BENCH_IO_CONCURRENCY', 4),
  ioTimeScale: num('BENCH_IO_TIME_SCALE', 0.3),
  hardLimitMs: num('BENCH_HARD_LIMIT_MS', 480_000),
  cpuProf: process.env.BENCH_CPU_PROF ?? '', // api | worker | bare (the bare servers and worker), comma-separated
  heapProf: process.env.BENCH_HEAP_PROF ?? '', // the same, for allocation profiles (stack/heap-sampler.ts)
  keepLogs: process.env.BENCH_KEEP_LOGS === '1',
  only: phasesOf(process.env.BENCH_ONLY ?? ''),
};
const TERMINAL = ['succeeded', 'failed', 'cancelled'];
// Premium operators: 500 requests per sliding minute each. Every user's share of the whole HTTP phase
// stays under this, so no window can pass its limit (a 429 would show in the errors column).
const PER_USER_BUDGET = 450;
const ASSUMED_MAX_RATE = 3000;
/** Postgres 15: an idle backend that reported less than 1 s ago reports the rest within 10 s. */
const STATS_FLUSH_MS = 10_500;

const t0 = Date.now();
const log = (s: string) =>
  process.stderr.write(
    `[bench ${((Date.now() - t0) / 1000).toFixed(0).padStart(3)}s load ${load1()}] ${s}\n`,
  );
const load1 = () => loadavg()[0]?.toFixed(1) ?? '?';
const sleep = (n: number) => new Promise((r) => setTimeout(r, n));
const median = (xs: number[]) => {
  const s = xs.filter(Number.isFinite).sort((a, b) => a - b);
  if (!s.length) return Number.NaN;
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};

const procs = new Set<Proc>();
function track(p: Proc): Proc {
  procs.add(p);
  p.child.once('exit', () => procs.delete(p));
  return p;
}

/**
 * `BENCH_API_ENV` / `BENCH_WORKER_ENV`: space-separated KEY=VALUE pairs added to (or overriding) the
 * Slipway process's environment, for A/B runs of one setting (e.g. `BENCH_API_ENV="LOG_LEVEL=warn"`
 * shows what the request log costs). Not for the published table: that runs the defaults.
 */
function extraEnv(name: string): Record<string, string> {
  return envPairs(process.env[name] ?? '');
}

// ------------------------------------------------------------------------------------------ context
type Ctx = {
  infra: BenchInfra;
  bundles: Bundles;
  logDir: string;
  profDir: string;
  otlp: string;
  secret: string;
};

/** Where `which`'s CPU (BENCH_CPU_PROF) or allocation (BENCH_HEAP_PROF) profile goes, or null. */
function prof(ctx: Ctx, which: 'api' | 'worker' | 'bare', kind: 'cpu' | 'heap' = 'cpu'): string | null {
  return (kind === 'cpu' ? S.cpuProf : S.heapProf).split(',').includes(which) ? ctx.profDir : null;
}

async function startSlipwayApi(
  ctx: Ctx,
  name: string,
  databaseUrl: string,
  prefix: string,
  more: Record<string, string> = {},
) {
  const port = await freePort();
  const p = track(
    spawnNode({
      name,
      script: ctx.bundles.api,
      logDir: ctx.logDir,
      cpuProfDir: prof(ctx, 'api'),
      heapProfDir: prof(ctx, 'api', 'heap'),
      env: {
        NODE_ENV: 'production',
        DATABASE_URL: databaseUrl,
        REDIS_URL: S.redisUrl,
        PORT: String(port),
        JWT_SECRET: ctx.secret,
        ADMIN_EMAIL: 'admin@bench.local',
        ADMIN_PASSWORD: 'bench-admin-password',
        DRIVER: 'sandbox',
        LOG_LEVEL: 'info',
        QUEUE_PREFIX: prefix,
        API_SHUTDOWN_GRACE_MS: '2000',
        OTEL_EXPORTER_OTLP_ENDPOINT: ctx.otlp,
        OTEL_SERVICE_NAME: 'slipway-api-bench',
        // The node flags of `npm run start:api` (bench/stack/build.ts startFlags).
        NODE_OPTIONS: ctx.bundles.nodeOptions.api,
        ...extraEnv('BENCH_API_ENV'),
        ...more,
      },
    }),
  );
  await waitHttp(p, `http://127.0.0.1:${port}/readyz`);
  return { p, url: `http://127.0.0.1:${port}` };
}

async function startSlipwayWorker(
  ctx: Ctx,
  name: string,
  databaseUrl: string,
  prefix: string,
  concurrency: number,
  timeScale: number,
) {
  const metricsPort = await freePort();
  const p = track(
    spawnNode({
      name,
      script: ctx.bundles.worker,
      logDir: ctx.logDir,
      cpuProfDir: prof(ctx, 'worker'),
      heapProfDir: prof(ctx, 'worker', 'heap'),
      env: {
        NODE_ENV: 'production',
        DATABASE_URL: databaseUrl,
        REDIS_URL: S.redisUrl,
        DRIVER: 'sandbox',
        LOG_LEVEL: 'info',
        QUEUE_PREFIX: prefix,
        WORKER_CONCURRENCY: String(concurrency),
        WORKER_ID: `${name}-${process.pid}`,
        WORKER_SHUTDOWN_GRACE_MS: '3000',
        WORKER_METRICS_PORT: String(metricsPort),
        SANDBOX_TIME_SCALE: String(timeScale),
        BUILD_CONTEXT_ROOT: root,
        OTEL_EXPORTER_OTLP_ENDPOINT: ctx.otlp,
        OTEL_SERVICE_NAME: 'slipway-worker-bench',
        NODE_OPTIONS: ctx.bundles.nodeOptions.worker,
        ...extraEnv('BENCH_WORKER_ENV'),
      },
    }),
  );
  await waitHttp(p, `http://127.0.0.1:${metricsPort}/healthz`);
  await waitLog(p, 'worker started');
  return p;
}

async function startBare(ctx: Ctx, name: string, script: string, env: Record<string, string>) {
  return track(
    spawnNode({
      name,
      script: join(root, 'bench/stack', script),
      logDir: ctx.logDir,
      cpuProfDir: prof(ctx, 'bare'),
      heapProfDir: prof(ctx, 'bare', 'heap'),
      env,
    }),
  );
}

// --------------------------------------------------------------------------------------------- HTTP
type HttpSample = LoadResult & {
  load: number;
  /** Slipway only: pg_stat_database deltas of the API's database over the run, per request. */
  perReq?: OpStats;
  /** CPU ms the server process used over the run, per request (load-independent, unlike req/s). */
  cpuMsPerReq: number;
};
type HttpPath = 'poll' | 'create';
/**
 * `BENCH_AB_API_ENV`: a second Slipway API ("slipway-b") with these extra KEY=VALUE pairs runs beside
 * the first, on the same database, and every HTTP round measures A, B and bare, the order rotating per
 * round: an A/B of one setting on the same machine state, which separate runs on a shared machine
 * cannot give. Printed as its own lines after the HTTP table; the table stays A vs bare.
 */
const AB_ENV = process.env.BENCH_AB_API_ENV;
/**
 * The feature floor (bench/stack/floor-server.ts): the bare poll plus every feature issue 10 keeps on,
 * each done the plainest way with Slipway's libraries. Poll only; `BENCH_FLOOR=0` leaves it out.
 * `BENCH_FLOOR_WITHOUT="tracing log ..."` adds one floor per word, each without that feature
 * (comma-joined words leave out several), in the same rounds: what each feature costs.
 */
const FLOOR = process.env.BENCH_FLOOR !== '0';
const FLOOR_WITHOUT = (process.env.BENCH_FLOOR_WITHOUT ?? '').split(/\s+/).filter(Boolean);
/** slipway, slipway-b, floor, floor-<features left out>, bare. */
type HttpSide = string;
const isFloor = (side: HttpSide) => side === 'floor' || side.startsWith('floor-');

async function httpPhase(ctx: Ctx, paths: readonly HttpPath[]) {
  const dbUrl = await ctx.infra.clone('http');
  const dbName = new URL(dbUrl).pathname.slice(1);
  const sql = postgres(dbUrl, { max: 2, onnotice: () => {} });
  const prefix = `${ctx.infra.prefix}_http`;
  const api = await startSlipwayApi(ctx, 'api', dbUrl, prefix);
  const apiB =
    AB_ENV === undefined ? null : await startSlipwayApi(ctx, 'api-b', dbUrl, prefix, envPairs(AB_ENV));
  await sleep(2000);
  const apiIdleRss = api.p.rssMb();
  log(`api up (idle RSS ${apiIdleRss.toFixed(0)} MB)`);

  // Every Slipway second of the phase (rounds and warm-up, both paths) against the per-user budget.
  const slipwaySeconds = (apiB ? 4 : 2) * (S.rounds * (S.durationS + 1) + S.warmupS + 1);
  const users = Math.ceil((ASSUMED_MAX_RATE * slipwaySeconds) / PER_USER_BUDGET);
  const targets = await seedHttpUsers(sql, users, ctx.secret);
  const bareDbUrl = await ctx.infra.clone('httpbare');
  const bsql = postgres(bareDbUrl, { max: 1, onnotice: () => {} });
  await copyHttpRows(sql, bsql);
  await bsql.end();
  log(`http: ${users} premium users, a cluster and a deployment each`);

  const barePort = await freePort();
  const bare = await startBare(ctx, 'bare-server', 'bare-server.ts', {
    BARE_DATABASE_URL: bareDbUrl,
    BARE_REDIS_URL: S.redisUrl,
    BARE_PREFIX: `${ctx.infra.prefix}_barehttp`,
    BARE_PORT: String(barePort),
    BARE_POOL: '10', // createDb's default max, what the API's pool has
  });
  const bareUrl = `http://127.0.0.1:${barePort}`;
  await waitHttp(bare, `${bareUrl}/healthz`);
  // The floors read the bare server's copy of the rows; their rate-limit keys are their own.
  const floors = new Map<HttpSide, { p: Proc; url: string }>();
  for (const w of FLOOR ? ['', ...(paths.includes('poll') ? FLOOR_WITHOUT : [])] : []) {
    const side = w ? `floor-${w}` : 'floor';
    const port = await freePort();
    const p = await startBare(ctx, `${side}-server`, 'floor-server.ts', {
      FLOOR_DATABASE_URL: bareDbUrl,
      FLOOR_REDIS_URL: S.redisUrl,
      FLOOR_PREFIX: `${ctx.infra.prefix}_${side}`,
      FLOOR_PORT: String(port),
      FLOOR_POOL: '10',
      FLOOR_SECRET: ctx.secret,
      FLOOR_WITHOUT: w,
      OTEL_EXPORTER_OTLP_ENDPOINT: ctx.otlp,
      // The runtime flags Slipway's API runs with (AsyncLocalStorage on the context frame).
      NODE_OPTIONS: ctx.bundles.nodeOptions.api,
    });
    const url = `http://127.0.0.1:${port}`;
    await waitHttp(p, `${url}/healthz`);
    floors.set(side, { p, url });
  }

  const body = JSON.stringify({ name: 'img-{n}', tag: 'v1', repository: 'bench.local/app' });
  const sides: HttpSide[] = ['slipway', ...(apiB ? ['slipway-b'] : []), ...floors.keys(), 'bare'];
  /** The priced floors (floor-<features>) answer the poll only; the whole floor both paths. */
  const runs = (path: HttpPath, side: HttpSide) => !isFloor(side) || side === 'floor' || path === 'poll';
  const urlOf = (side: HttpSide) =>
    side === 'slipway'
      ? api.url
      : side === 'slipway-b'
        ? (apiB?.url ?? '')
        : side === 'bare'
          ? bareUrl
          : (floors.get(side)?.url ?? '');
  const spec = (side: HttpSide, path: HttpPath, tag: string) => {
    const t: Target[] = targets.map((x) => ({
      token: side === 'bare' ? null : x.token,
      path: path === 'poll' ? `/api/deployments/${x.deployment}` : '/api/container-images',
    }));
    return {
      url: urlOf(side),
      method: path === 'poll' ? ('GET' as const) : ('POST' as const),
      targets: t,
      body: path === 'create' ? body : undefined,
      idempotencyKey: side !== 'bare' && path === 'create',
      tag,
      connections: S.connections,
      threads: S.threads,
      durationS: S.durationS,
    };
  };
  // Check each path answers as it should before measuring it.
  for (const side of sides) {
    const s = spec(side, 'poll', 'check');
    const r = await fetch(`${s.url}${s.targets[0]?.path}`, {
      headers: side !== 'bare' ? { authorization: `Bearer ${targets[0]?.token}` } : {},
    });
    if (r.status !== 200) throw new Error(`${side} poll answered ${r.status}: ${await r.text()}`);
    await r.body?.cancel();
  }
  log(`http: warm-up (${S.warmupS} s per path and side, unmeasured)`);
  for (const path of paths)
    for (const side of sides)
      if (runs(path, side)) await runLoad({ ...spec(side, path, `w-${side}`), durationS: S.warmupS });
  await sleep(STATS_FLUSH_MS);

  const samples: Record<string, HttpSample[]> = {};
  for (let r = 0; r < S.rounds; r++) {
    // Each side goes first in turn (A, bare / bare, A; with B: A B bare, B bare A, bare A B).
    const order = [...sides.slice(r % sides.length), ...sides.slice(0, r % sides.length)];
    for (const path of paths)
      for (const side of order) {
        if (!runs(path, side)) continue;
        const l0 = loadavg()[0] ?? 0;
        // The API was idle since its last run (or the warm-up) and its counts were flushed then.
        const before = side === 'slipway' ? await dbStats(dbName) : null;
        const server =
          side === 'slipway'
            ? api.p
            : side === 'slipway-b'
              ? apiB?.p
              : side === 'bare'
                ? bare
                : floors.get(side)?.p;
        if (!server) throw new Error(`no ${side} server`);
        const cpu0 = server.cpuMs();
        const res = await runLoad(spec(side, path, `r${r}-${side}`));
        const cpuMsPerReq = (server.cpuMs() - cpu0) / Math.max(1, res.requests);
        const sample: HttpSample = { ...res, load: ((loadavg()[0] ?? 0) + l0) / 2, cpuMsPerReq };
        if (before) {
          // A backend that reported less than 1 s ago defers its last counts for up to 10 s.
          await sleep(STATS_FLUSH_MS);
          const after = await dbStats(dbName);
          const n = Math.max(1, res.requests);
          sample.perReq = {
            tx: (after.tx - before.tx) / n,
            inserted: (after.inserted - before.inserted) / n,
            updated: (after.updated - before.updated) / n,
            fetched: (after.fetched - before.fetched) / n,
          };
        }
        const key = `${path}/${side}`;
        samples[key] = [...(samples[key] ?? []), sample];
        log(
          `http round ${r + 1}/${S.rounds} ${path} ${side}: ${res.reqPerSec.toFixed(0)} req/s, p50 ${ms(res.p50)} ms, p99 ${ms(res.p99)} ms, ${cpuMsPerReq.toFixed(3)} CPU ms/req${res.errors ? `, ${res.errors} errors` : ''}`,
        );
      }
  }
  const apiLoadedRss = api.p.rssMb();
  const logBytes = fileSize(api.p.logFile);
  await Promise.all([
    api.p.stop(),
    bare.stop(),
    apiB?.p.stop(),
    ...[...floors.values()].map((f) => f.p.stop()),
  ]);
  await sql.end();
  return { samples, users, apiIdleRss, apiLoadedRss, logBytes };
}

// ------------------------------------------------------------------------------------------ pipeline
type OpStats = { tx: number; inserted: number; updated: number; fetched: number };

async function dbStats(name: string): Promise<OpStats> {
  const a = postgres(S.databaseUrl, { max: 1, onnotice: () => {} });
  try {
    const [r] = await a<{ tx: string; ins: string; upd: string; fet: string }[]>`
      select xact_commit + xact_rollback as tx, tup_inserted as ins, tup_updated as upd, tup_fetched as fet
        from pg_stat_database where datname = ${name}`;
    return { tx: Number(r?.tx), inserted: Number(r?.ins), updated: Number(r?.upd), fetched: Number(r?.fet) };
  } finally {
    await a.end();
  }
}

/** Image operations made through core (the API's own create path) with no worker running. */
async function precreate(dbUrl: string, prefix: string, n: number, inFlight = 16): Promise<void> {
  const core = await benchCore({ dbUrl, redisUrl: S.redisUrl, prefix, max: inFlight });
  try {
    let next = 0;
    await Promise.all(
      Array.from({ length: inFlight }, async () => {
        while (next < n) await core.createImage(`img-${next++}`);
      }),
    );
  } finally {
    await core.close();
  }
}

type Timing = { started: number; finished: number | null; created: number; status: string };

/**
 * Waits until `n` are terminal, or `windowMs` after the first one started (a throughput figure
 * needs a stretch of steady work, not the whole backlog), or `deadlineMs`; never throws.
 */
async function waitDone(
  sql: postgres.Sql,
  q: 'slipway' | 'bare',
  n: number,
  deadlineMs: number,
  windowMs = Number.POSITIVE_INFINITY,
): Promise<Timing[]> {
  const deadline = Date.now() + deadlineMs;
  let firstStart: number | null = null;
  for (;;) {
    const [r] =
      q === 'slipway'
        ? await sql<
            { n: number; s: number }[]
          >`select count(*) filter (where status = any(${TERMINAL}))::int as n,
            count(started_at)::int as s from operations where kind = 'image.build'`
        : await sql<{ n: number; s: number }[]>`select count(*) filter (where status = 'done')::int as n,
            count(started_at)::int as s from bench_bare_jobs`;
    if ((r?.n ?? 0) >= n) break;
    if (firstStart === null && (r?.s ?? 0) > 0) firstStart = Date.now();
    if (firstStart !== null && Date.now() - firstStart > windowMs) break;
    if (Date.now() > deadline) {
      log(`${q}: only ${r?.n}/${n} done after ${deadlineMs} ms`);
      break;
    }
    await sleep(200);
  }
  const rows =
    q === 'slipway'
      ? await sql<Timing[]>`select status, extract(epoch from created_at) * 1000 as created,
          extract(epoch from started_at) * 1000 as started, extract(epoch from finished_at) * 1000 as finished
          from operations where kind = 'image.build'`
      : await sql<Timing[]>`select case status when 'done' then 'succeeded' else status end as status,
          extract(epoch from created_at) * 1000 as created,
          extract(epoch from started_at) * 1000 as started, extract(epoch from finished_at) * 1000 as finished
          from bench_bare_jobs`;
  return rows.map((r) => ({
    status: r.status,
    created: Number(r.created),
    started: r.started === null ? Number.NaN : Number(r.started),
    finished: r.finished === null ? null : Number(r.finished),
  }));
}

/** Operations per second from the first start to the last finish (process start-up excluded). */
const throughput = (all: Timing[]) => {
  const rows = all.filter((r) => r.finished !== null);
  const first = Math.min(...rows.map((r) => r.started).filter(Number.isFinite));
  const last = Math.max(...rows.map((r) => r.finished ?? 0));
  return rows.length / ((last - first) / 1000);
};

async function bareJobsTable(dbUrl: string, floor: boolean) {
  const sql = postgres(dbUrl, { max: 1, onnotice: () => {} });
  await sql`create table bench_bare_jobs (id bigserial primary key, status text not null default 'queued',
    created_at timestamptz not null default clock_timestamp(), started_at timestamptz, finished_at timestamptz)`;
  // The floor worker's claim token and event rows (bench/stack/floor-worker.ts).
  if (floor) {
    await sql`alter table bench_bare_jobs add column claim uuid`;
    await sql`create table bench_bare_events (id bigserial primary key, job_id bigint not null,
      status text not null, at timestamptz not null default clock_timestamp())`;
  }
  await sql.end();
}

const JOB_OPTS = { removeOnComplete: { age: 3600, count: 5000 }, removeOnFail: { age: 24 * 3600 } };

async function slipwayPipeline(ctx: Ctx, r: number) {
  const dbUrl = await ctx.infra.clone(`p${r}`);
  const dbName = new URL(dbUrl).pathname.slice(1);
  const prefix = `${ctx.infra.prefix}_p${r}`;
  await precreate(dbUrl, prefix, S.pipelineOps);
  await sleep(700);
  const before = await dbStats(dbName);
  const w = await startSlipwayWorker(
    ctx,
    `worker-pipeline-${r}`,
    dbUrl,
    prefix,
    S.workerConcurrency,
    S.timeScale,
  );
  const sql = postgres(dbUrl, { max: 1, onnotice: () => {} });
  const l0 = loadavg()[0] ?? 0;
  const cpu0 = w.cpuMs();
  const rows = await waitDone(sql, 'slipway', S.pipelineOps, 120_000, S.windowS * 1000);
  const cpu = w.cpuMs() - cpu0;
  const load = ((loadavg()[0] ?? 0) + l0) / 2;
  const rss = w.rssMb();
  await sql.end();
  await w.stop();
  await sleep(700);
  const after = await dbStats(dbName);
  const n = rows.filter((x) => x.finished !== null).length;
  return {
    opsPerSec: throughput(rows),
    finished: n,
    failed: rows.filter((x) => x.finished !== null && x.status !== 'succeeded').length,
    load,
    rss,
    /** Worker CPU (user + system) per finished operation while it worked through them, ms. */
    cpuMsPerOp: cpu / n,
    perOp: {
      tx: (after.tx - before.tx) / n,
      inserted: (after.inserted - before.inserted) / n,
      updated: (after.updated - before.updated) / n,
      fetched: (after.fetched - before.fetched) / n,
    },
  };
}

/** The bare BullMQ worker, or (`floor`) the worker's feature floor, bench/stack/floor-worker.ts. */
async function barePipeline(ctx: Ctx, r: number, floor = false) {
  const tag = floor ? 'fp' : 'bp';
  const dbUrl = await ctx.infra.clone(`${tag}${r}`);
  const prefix = `${ctx.infra.prefix}_${tag}${r}`;
  await bareJobsTable(dbUrl, floor);
  const sql = postgres(dbUrl, { max: 1, onnotice: () => {} });
  const ids = await sql<{ id: string }[]>`insert into bench_bare_jobs (status)
    select 'queued' from generate_series(1, ${S.pipelineOps}) returning id`;
  const queue = new Queue('bare-jobs', { connection: { url: S.redisUrl }, prefix });
  for (let i = 0; i < ids.length; i += 500)
    await queue.addBulk(
      ids.slice(i, i + 500).map((x) => ({ name: 'job', data: { id: Number(x.id) }, opts: JOB_OPTS })),
    );
  await queue.close();
  const name = floor ? 'floor-worker' : 'bare-worker';
  const w = await startBare(ctx, `${name}-${r}`, `${name}.ts`, {
    BARE_DATABASE_URL: dbUrl,
    BARE_REDIS_URL: S.redisUrl,
    BARE_PREFIX: prefix,
    BARE_CONCURRENCY: String(S.workerConcurrency),
    BARE_POOL: String(Math.min(20, 2 * S.workerConcurrency + 4)),
    OTEL_EXPORTER_OTLP_ENDPOINT: ctx.otlp,
    // The floor runs with the Slipway worker's runtime flags (the bare worker uses no context).
    ...(floor ? { NODE_OPTIONS: ctx.bundles.nodeOptions.worker } : {}),
  });
  const l0 = loadavg()[0] ?? 0;
  const cpu0 = w.cpuMs();
  const rows = await waitDone(sql, 'bare', S.pipelineOps, 120_000, S.windowS * 1000);
  const cpu = w.cpuMs() - cpu0;
  const load = ((loadavg()[0] ?? 0) + l0) / 2;
  await sql.end();
  await w.stop();
  const n = rows.filter((x) => x.finished !== null).length;
  return { opsPerSec: throughput(rows), load, cpuMsPerOp: cpu / n };
}

// ------------------------------------------------------------------------------ enqueue-to-start
/** Calls `fn` `rate` times a second for `seconds`, on schedule (not waiting for the previous call). */
async function paced(rate: number, seconds: number, fn: (i: number) => Promise<void>): Promise<void> {
  const n = Math.round(rate * seconds);
  const start = performance.now();
  const calls: Promise<void>[] = [];
  for (let i = 0; i < n; i++) {
    const due = start + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    calls.push(fn(i));
  }
  await Promise.all(calls);
}

async function slipwayPaced(ctx: Ctx) {
  const dbUrl = await ctx.infra.clone('paced');
  const prefix = `${ctx.infra.prefix}_paced`;
  const w = await startSlipwayWorker(ctx, 'worker-paced', dbUrl, prefix, S.workerConcurrency, S.timeScale);
  await sleep(2000);
  const idleRss = w.rssMb();
  const core = await benchCore({ dbUrl, redisUrl: S.redisUrl, prefix, max: 8 });
  const sql = postgres(dbUrl, { max: 1, onnotice: () => {} });
  const warm = await pacedWarmup(sql, 'slipway', async (i) => {
    await core.createImage(`w-${i}`);
  });
  const l0 = loadavg()[0] ?? 0;
  await paced(S.pacedRate, S.pacedS, async (i) => {
    await core.createImage(`p-${i}`);
  });
  const rows = measuredRows(await waitDone(sql, 'slipway', S.pacedWarmup + pacedCount(), 30_000));
  const load = ((loadavg()[0] ?? 0) + l0) / 2;
  const loadedRss = w.rssMb();
  await sql.end();
  await core.close();
  await w.stop();
  if (process.env.BENCH_PACED_DUMP)
    writeFileSync(
      process.env.BENCH_PACED_DUMP,
      rows
        .sort((a, b) => a.created - b.created)
        .map(
          (r) =>
            `${(r.created - (rows[0]?.created ?? 0)).toFixed(0)} ${(r.started - r.created).toFixed(1)} ${((r.finished ?? Number.NaN) - r.started).toFixed(1)} ${r.created.toFixed(1)}`,
        )
        .join('\n'),
    );
  return { ...pacedWaits(rows), warm, load, idleRss, loadedRss };
}

async function barePaced(ctx: Ctx) {
  const dbUrl = await ctx.infra.clone('bpaced');
  const prefix = `${ctx.infra.prefix}_bpaced`;
  await bareJobsTable(dbUrl, false);
  const w = await startBare(ctx, 'bare-worker-paced', 'bare-worker.ts', {
    BARE_DATABASE_URL: dbUrl,
    BARE_REDIS_URL: S.redisUrl,
    BARE_PREFIX: prefix,
    BARE_CONCURRENCY: String(S.workerConcurrency),
  });
  await waitLog(w, 'bare worker ready');
  const sql = postgres(dbUrl, { max: 8, onnotice: () => {} });
  const queue = new Queue('bare-jobs', { connection: { url: S.redisUrl }, prefix });
  await queue.waitUntilReady();
  const add = async () => {
    const [row] = await sql<
      { id: string }[]
    >`insert into bench_bare_jobs (status) values ('queued') returning id`;
    await queue.add('job', { id: Number(row?.id) }, JOB_OPTS);
  };
  const warm = await pacedWarmup(sql, 'bare', add);
  const l0 = loadavg()[0] ?? 0;
  await paced(S.pacedRate, S.pacedS, add);
  const rows = measuredRows(await waitDone(sql, 'bare', S.pacedWarmup + pacedCount(), 30_000));
  const load = ((loadavg()[0] ?? 0) + l0) / 2;
  await queue.close();
  await sql.end();
  await w.stop();
  return { ...pacedWaits(rows), warm, load };
}

const pacedCount = () => Math.round(S.pacedRate * S.pacedS);

/**
 * The paced run's unmeasured warm-up: BENCH_PACED_WARMUP (25) operations at the same pace on the
 * freshly started worker, waited for, before the measured ones (as the HTTP rounds have theirs). The
 * first operations of a cold process (and of the bench's own producer) wait several times longer
 * (first statements prepared, first scripts loaded, code not yet compiled): with 300 measured
 * operations the p99 is the third-longest wait, so two cold ones decided it. Their longest wait is
 * printed beside the table's figure. Returns that longest wait (ms).
 */
async function pacedWarmup(
  sql: postgres.Sql,
  q: 'slipway' | 'bare',
  fn: (i: number) => Promise<void>,
): Promise<number> {
  if (S.pacedWarmup <= 0) return Number.NaN;
  await paced(S.pacedRate, S.pacedWarmup / S.pacedRate, fn);
  const waits = (await waitDone(sql, q, S.pacedWarmup, 30_000))
    .map((r) => r.started - r.created)
    .filter(Number.isFinite);
  return waits.length ? Math.max(...waits) : Number.NaN;
}

/** The measured operations: all but the warm-up's (the first BENCH_PACED_WARMUP created). */
function measuredRows<T extends { created: number }>(rows: T[]): T[] {
  return rows.sort((a, b) => a.created - b.created).slice(Math.max(0, S.pacedWarmup));
}

/** Enqueue-to-start of a paced run: p50, p99 and how many never started. */
function pacedWaits(rows: { created: number; started: number }[]) {
  const waits = rows
    .map((r) => r.started - r.created)
    .filter(Number.isFinite)
    .sort((a, b) => a - b);
  return {
    p50: percentile(waits, 50),
    p99: percentile(waits, 99),
    late: pacedCount() - waits.length,
  };
}

// ------------------------------------------------------------------------------------ 1 vs 2 workers
async function ioScaling(ctx: Ctx, processes: number) {
  const dbUrl = await ctx.infra.clone(`io${processes}`);
  const prefix = `${ctx.infra.prefix}_io${processes}`;
  // Every process must be up before the first operation starts (a second process still loading
  // its modules would otherwise take CPU from the first inside the measured window): the queue is
  // paused while the operations are made and the workers start, and resumed once all are ready.
  const images = new Queue('images', { connection: { url: S.redisUrl }, prefix });
  await images.pause();
  await precreate(dbUrl, prefix, S.ioOps);
  const ws = await Promise.all(
    Array.from({ length: processes }, (_, i) =>
      startSlipwayWorker(ctx, `worker-io${processes}-${i}`, dbUrl, prefix, S.ioConcurrency, S.ioTimeScale),
    ),
  );
  await sleep(1000);
  await images.resume();
  await images.close();
  const sql = postgres(dbUrl, { max: 1, onnotice: () => {} });
  const l0 = loadavg()[0] ?? 0;
  const rows = await waitDone(sql, 'slipway', S.ioOps, 60_000, S.windowS * 1000);
  const load = ((loadavg()[0] ?? 0) + l0) / 2;
  const runMs = median(rows.map((r) => (r.finished ?? r.started) - r.started));
  await sql.end();
  await Promise.all(ws.map((w) => w.stop()));
  return { opsPerSec: throughput(rows), load, runMs };
}

// --------------------------------------------------------------------------------------------- main
function machine(): string[] {
  const c = cpus();
  let commit = '?';
  let dirty = '';
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim();
    dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], {
      cwd: root,
      encoding: 'utf8',
    }).trim()
      ? ' (+ uncommitted changes in the tree)'
      : '';
  } catch {}
  return [
    `- machine: ${c.length} x ${c[0]?.model ?? '?'}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, Node ${process.version}`,
    `- commit: ${commit}${dirty}`,
  ];
}

async function versions(): Promise<string> {
  const a = postgres(S.databaseUrl, { max: 1, onnotice: () => {} });
  const [v] = await a<{ v: string }[]>`select current_setting('server_version') as v`;
  await a.end();
  const r = new Redis(S.redisUrl, { lazyConnect: true });
  await r.connect();
  const info = await r.info('server');
  r.disconnect();
  return `Postgres ${v?.v}, Redis ${/redis_version:(\S+)/.exec(info)?.[1] ?? '?'}`;
}

const f0 = (n: number) => (Number.isFinite(n) ? n.toFixed(0) : '-');
const f2 = (n: number) => (Number.isFinite(n) ? n.toFixed(2) : '-');
const f3 = (n: number) => (Number.isFinite(n) ? n.toFixed(3) : '-');
const f1 = (n: number) => (Number.isFinite(n) ? n.toFixed(1) : '-');

async function main(): Promise<number> {
  let infra: BenchInfra | null = null;
  let sink: Awaited<ReturnType<typeof otlpSink>> | null = null;
  const runDir = join(root, '.data', 'bench', `run-${randomBytes(3).toString('hex')}`);
  const cleanup = async () => {
    await Promise.all([...procs].map((p) => p.stop(3000)));
    sink?.server.close();
    if (infra) for (const p of await infra.cleanup()) log(`cleanup: ${p}`);
    rmSync(join(runDir, 'build'), { recursive: true, force: true });
    if (!S.keepLogs) rmSync(runDir, { recursive: true, force: true });
  };
  let cleaning: Promise<void> | null = null;
  const bail = (why: string, code: number) => {
    log(`${why}: cleaning up`);
    cleaning ??= cleanup();
    void cleaning.finally(() => process.exit(code));
  };
  process.once('SIGINT', () => bail('SIGINT', 130));
  process.once('SIGTERM', () => bail('SIGTERM', 143));
  const hard = setTimeout(() => bail(`hard limit ${S.hardLimitMs} ms`, 2), S.hardLimitMs);
  hard.unref();
  try {
    const tool = loadTool();
    log(
      `load generator: ${tool}; machine load average ${loadavg()
        .map((x) => x.toFixed(1))
        .join(' ')}`,
    );
    const vers = await versions();
    const bundles = await buildBundles(join(runDir, 'build'), process.env.BENCH_BUILD);
    log(`built: ${bundles.how}`);
    infra = await createInfra(S.databaseUrl, S.redisUrl);
    sink = await otlpSink(process.env.BENCH_SPANS);
    const ctx: Ctx = {
      infra,
      bundles,
      logDir: join(runDir, 'logs'),
      profDir: join(root, '.data', 'bench', 'profiles'),
      otlp: sink.url,
      secret: randomBytes(32).toString('hex'),
    };
    if (S.cpuProf || S.heapProf) {
      // The bundles go beside their profiles: stack/profile.ts names the module of a bundle's line.
      mkdirSync(ctx.profDir, { recursive: true });
      copyFileSync(bundles.api, join(ctx.profDir, 'api.main.js'));
      copyFileSync(bundles.worker, join(ctx.profDir, 'worker.main.js'));
    }

    const paths = (['poll', 'create'] as const).filter((p) => S.only.has(p));
    if (S.only.size < PHASES.length) log(`BENCH_ONLY: ${[...S.only].join(', ')}`);
    const NONE = Number.NaN;
    let http: Awaited<ReturnType<typeof httpPhase>> = {
      samples: {},
      users: 0,
      apiIdleRss: NONE,
      apiLoadedRss: NONE,
      logBytes: NONE,
    };
    if (paths.length) {
      log(
        `1/4 HTTP: ${S.rounds} rounds x (${paths.join(', ')}) x (Slipway, bare), wrk ${S.threads}x${S.connections}, ${S.durationS} s each`,
      );
      http = await httpPhase(ctx, paths);
    }

    if (S.only.has('pipeline'))
      log(
        `2/4 pipeline: ${S.pipelineRounds} rounds x ${S.pipelineOps} pre-created operations, 1 process x ${S.workerConcurrency}`,
      );
    const slip: Awaited<ReturnType<typeof slipwayPipeline>>[] = [];
    const bare: Awaited<ReturnType<typeof barePipeline>>[] = [];
    const floorW: Awaited<ReturnType<typeof barePipeline>>[] = [];
    for (let r = 0; S.only.has('pipeline') && r < S.pipelineRounds; r++) {
      const runS = async () => {
        const x = await slipwayPipeline(ctx, r);
        slip.push(x);
        log(`pipeline round ${r + 1} slipway: ${x.opsPerSec.toFixed(0)} ops/s (${x.failed} failed)`);
      };
      const runB = async () => {
        const x = await barePipeline(ctx, r);
        bare.push(x);
        log(`pipeline round ${r + 1} bare: ${x.opsPerSec.toFixed(0)} jobs/s`);
      };
      const runF = async () => {
        if (!FLOOR) return;
        const x = await barePipeline(ctx, r, true);
        floorW.push(x);
        log(`pipeline round ${r + 1} floor: ${x.opsPerSec.toFixed(0)} jobs/s`);
      };
      const order = [runS, runB, runF];
      for (let i = 0; i < order.length; i++) await order[(i + r) % order.length]?.();
    }

    const noPaced = { p50: NONE, p99: NONE, late: 0, warm: NONE, load: NONE, idleRss: NONE, loadedRss: NONE };
    let pacedBare: Awaited<ReturnType<typeof barePaced>> = noPaced;
    let pacedSlip: Awaited<ReturnType<typeof slipwayPaced>> = noPaced;
    if (S.only.has('paced')) {
      log(`3/4 enqueue-to-start at ${S.pacedRate}/s for ${S.pacedS} s`);
      pacedBare = await barePaced(ctx);
      pacedSlip = await slipwayPaced(ctx);
      log(`paced: slipway p99 ${ms(pacedSlip.p99)} ms, bare p99 ${ms(pacedBare.p99)} ms`);
    }

    const noIo = { opsPerSec: NONE, load: NONE, runMs: NONE };
    let io1: Awaited<ReturnType<typeof ioScaling>> = noIo;
    let io2: Awaited<ReturnType<typeof ioScaling>> = noIo;
    if (S.only.has('io')) {
      log(
        `4/4 I/O-bound: ${S.ioOps} operations, 1 then 2 worker processes x ${S.ioConcurrency}, time scale ${S.ioTimeScale}`,
      );
      io1 = await ioScaling(ctx, 1);
      io2 = await ioScaling(ctx, 2);
      log(`io: 1 process ${io1.opsPerSec.toFixed(1)} ops/s, 2 processes ${io2.opsPerSec.toFixed(1)} ops/s`);
    }

    // ------------------------------------------------------------------------------------ report
    const rowsHttp: string[][] = [];
    const names: Record<HttpPath, [string, string]> = {
      poll: ['status poll GET /api/deployments/{id}', 'Hono + postgres.js PK SELECT'],
      create: ['create POST /api/container-images', 'Hono + INSERT + queue.add'],
    };
    const perReq: string[] = [];
    for (const path of paths) {
      const s = http.samples[`${path}/slipway`] ?? [];
      const pr = (k: keyof OpStats) => f1(median(s.map((x) => x.perReq?.[k] ?? Number.NaN)));
      perReq.push(
        `Per Slipway ${path} request (API database, pg_stat_database over each run / requests, median round): ${pr('tx')} transactions, ${pr('inserted')} rows inserted, ${pr('updated')} updated, ${pr('fetched')} fetched.`,
      );
      const b = http.samples[`${path}/bare`] ?? [];
      const m = (xs: HttpSample[], k: 'reqPerSec' | 'p50' | 'p99' | 'load' | 'errors' | 'cpuMsPerReq') =>
        median(xs.map((x) => x[k]));
      const errs = (xs: HttpSample[]) => xs.reduce((a, x) => a + x.errors, 0);
      rowsHttp.push([
        names[path][0],
        f0(m(s, 'reqPerSec')),
        ms(m(s, 'p50')),
        ms(m(s, 'p99')),
        names[path][1],
        f0(m(b, 'reqPerSec')),
        ms(m(b, 'p50')),
        ms(m(b, 'p99')),
        f2(m(s, 'reqPerSec') / m(b, 'reqPerSec')),
        f1(m(s, 'p99') / m(b, 'p99')),
        `${errs(s)}/${errs(b)}`,
        `${f3(m(s, 'cpuMsPerReq'))} / ${f3(m(b, 'cpuMsPerReq'))}`,
        f1(median([...s, ...b].map((x) => x.load))),
      ]);
    }
    // BENCH_AB_API_ENV: B against A, from the same rounds.
    const abLines: string[] = [];
    if (AB_ENV !== undefined)
      for (const path of paths) {
        const a = http.samples[`${path}/slipway`] ?? [];
        const b = http.samples[`${path}/slipway-b`] ?? [];
        const m = (xs: HttpSample[], k: 'reqPerSec' | 'p99' | 'cpuMsPerReq') => median(xs.map((x) => x[k]));
        const each = (xs: HttpSample[]) => xs.map((x) => x.cpuMsPerReq.toFixed(3)).join(' ');
        abLines.push(
          `A/B ${path}: B (${AB_ENV}) ${f0(m(b, 'reqPerSec'))} req/s, p99 ${ms(m(b, 'p99'))} ms, ${f3(m(b, 'cpuMsPerReq'))} CPU ms/req [${each(b)}]; A ${f0(m(a, 'reqPerSec'))} req/s, p99 ${ms(m(a, 'p99'))} ms, ${f3(m(a, 'cpuMsPerReq'))} CPU ms/req [${each(a)}]; B/A req/s ${f2(m(b, 'reqPerSec') / m(a, 'reqPerSec'))}, CPU ${f2(m(b, 'cpuMsPerReq') / m(a, 'cpuMsPerReq'))}`,
        );
      }
    // The feature floor against bare and Slipway, from the same rounds.
    const floorLines: string[] = [];
    const m = (xs: HttpSample[], k: 'reqPerSec' | 'p50' | 'p99' | 'cpuMsPerReq') =>
      median(xs.map((x) => x[k]));
    const floorWhat: Record<HttpPath, string> = {
      poll: 'status poll (bench/stack/floor-server.ts: the bare poll + cached JWT check, cached user row, the Redis sliding window, server/db/Redis spans exported, metrics, the request log line, the standard headers; same rounds)',
      create:
        'create (bench/stack/floor-server.ts: the bare create + the same per-request features, zod body check, Idempotency-Key claimed in one transaction with the image, operation and audit rows, the answer stored under the key, a span per statement and for queue.add; same rounds)',
    };
    for (const path of paths) {
      const f = http.samples[`${path}/floor`] ?? [];
      if (!f.length) continue;
      const sp = http.samples[`${path}/slipway`] ?? [];
      const bp = http.samples[`${path}/bare`] ?? [];
      floorLines.push(
        `Feature floor, ${floorWhat[path]}: ${f0(m(f, 'reqPerSec'))} req/s, p50 ${ms(m(f, 'p50'))} ms, p99 ${ms(m(f, 'p99'))} ms, ${f3(m(f, 'cpuMsPerReq'))} CPU ms/req, ${f.reduce((a, x) => a + x.errors, 0)} errors. Floor/bare: req/s ${f2(m(f, 'reqPerSec') / m(bp, 'reqPerSec'))}, CPU ${f2(m(f, 'cpuMsPerReq') / m(bp, 'cpuMsPerReq'))}x. Slipway/floor: req/s ${f2(m(sp, 'reqPerSec') / m(f, 'reqPerSec'))}, CPU ${f2(m(sp, 'cpuMsPerReq') / m(f, 'cpuMsPerReq'))}x.`,
      );
    }
    const fl = http.samples['poll/floor'] ?? [];
    const bp = http.samples['poll/bare'] ?? [];
    if (fl.length) {
      // Each feature's price: the full floor's CPU per poll minus that of the floor without it.
      for (const w of FLOOR_WITHOUT) {
        const v = http.samples[`poll/floor-${w}`] ?? [];
        const saved = m(fl, 'cpuMsPerReq') - m(v, 'cpuMsPerReq');
        floorLines.push(
          `Floor without ${w}: ${f0(m(v, 'reqPerSec'))} req/s (${f2(m(v, 'reqPerSec') / m(bp, 'reqPerSec'))} of bare), ${f3(m(v, 'cpuMsPerReq'))} CPU ms/req [${v.map((x) => x.cpuMsPerReq.toFixed(3)).join(' ')}]: ${w} costs ${f3(saved)} ms per poll (${f0((100 * saved) / m(fl, 'cpuMsPerReq'))}% of the floor).`,
        );
      }
    }
    const sOps = median(slip.map((x) => x.opsPerSec));
    const fOps = median(floorW.map((x) => x.opsPerSec));
    const bOps = median(bare.map((x) => x.opsPerSec));
    const pipeLoad = median([...slip, ...bare].map((x) => x.load));
    const out = [
      `## npm run bench — Slipway vs the bare stack (${new Date().toISOString().slice(0, 16)}Z)`,
      '',
      ...machine(),
      `- services: ${vers}, all local; load generator: ${tool} (${S.threads} thread x ${S.connections} connections, ${S.durationS} s per run)`,
      `- Slipway: ${bundles.how}; LOG_LEVEL=info to a file, OTLP traces to a local sink, every middleware on; ${http.users} premium users round-robin (rate limit never reached)`,
      `- rounds: ${S.rounds} HTTP, ${S.pipelineRounds} pipeline, Slipway and bare interleaved, medians shown; run took ${((Date.now() - t0) / 1000).toFixed(0)} s`,
      `- **shared machine**: other agents' work ran at the same time; load average column = 1-minute load during the runs (2 cores)`,
      '',
      table(
        [
          'path',
          'Slipway req/s',
          'p50 ms',
          'p99 ms',
          'bare stack',
          'bare req/s',
          'p50 ms',
          'p99 ms',
          'ratio req/s',
          'p99 x',
          'errors S/b',
          'server CPU ms/req S/b',
          'load',
        ],
        rowsHttp,
      ),
      '',
      ...perReq.flatMap((l) => [l, '']),
      ...abLines.flatMap((l) => [l, '']),
      ...floorLines.flatMap((l) => [l, '']),
      table(
        [
          `pipeline (1 process x ${S.workerConcurrency})`,
          'Slipway ops/s',
          'bare BullMQ + 2 UPDATEs jobs/s',
          'ratio',
          'failed',
          'load',
        ],
        [
          [
            `${S.pipelineOps} pre-created image builds, time scale ${S.timeScale}`,
            f0(sOps),
            f0(bOps),
            f2(sOps / bOps),
            String(slip.reduce((a, x) => a + x.failed, 0)),
            f1(pipeLoad),
          ],
        ],
      ),
      '',
      ...(floorW.length
        ? [
            `Worker feature floor (bench/stack/floor-worker.ts: the bare worker + a fenced compare-and-set claim and finish, an event row per transition, tracing with BullMQ's bridge and a span per operation and statement, metrics, a log line per transition; same rounds): ${f0(fOps)} jobs/s, ${f2(median(floorW.map((x) => x.cpuMsPerOp)))} CPU ms per job (its start-up included). Floor/bare: ${f2(fOps / bOps)}. Slipway/floor: ${f2(sOps / fOps)}.`,
            '',
          ]
        : []),
      `Per pipeline operation (worker side only; Postgres pg_stat_database, median round): ${f1(median(slip.map((x) => x.perOp.tx)))} transactions, ${f1(median(slip.map((x) => x.perOp.inserted)))} rows inserted, ${f1(median(slip.map((x) => x.perOp.updated)))} updated, ${f1(median(slip.map((x) => x.perOp.fetched)))} fetched; worker CPU ${f2(median(slip.map((x) => x.cpuMsPerOp)))} ms per operation (bare worker ${f2(median(bare.map((x) => x.cpuMsPerOp)))} ms per job, its start-up included).`,
      '',
      table(
        ['other', 'Slipway', 'bare / target', 'load'],
        [
          [
            `enqueue-to-start p50 / p99 at ${S.pacedRate} ops/s`,
            `${ms(pacedSlip.p50)} / ${ms(pacedSlip.p99)} ms${pacedSlip.late ? ` (${pacedSlip.late} not started within 30 s)` : ''}; warm-up's longest ${ms(pacedSlip.warm)} ms`,
            `${ms(pacedBare.p50)} / ${ms(pacedBare.p99)} ms (bare BullMQ${pacedBare.late ? `, ${pacedBare.late} late` : ''}; warm-up's longest ${ms(pacedBare.warm)} ms); target p99 <= 10 ms`,
            `${f1(pacedSlip.load)} / ${f1(pacedBare.load)}`,
          ],
          [
            `I/O-bound: ${S.ioOps} ops, ${S.ioConcurrency} per process, op ≈ ${f0(io1.runMs)} ms`,
            `1 process ${f1(io1.opsPerSec)} ops/s, 2 processes ${f1(io2.opsPerSec)} ops/s: ${f2(io2.opsPerSec / io1.opsPerSec)}x`,
            '>= 1.8x',
            `${f1(io1.load)} / ${f1(io2.load)}`,
          ],
          [
            'API RSS idle / after the HTTP load',
            `${f0(http.apiIdleRss)} / ${f0(http.apiLoadedRss)} MB`,
            '< 120 MB idle',
            '',
          ],
          [
            'worker RSS idle / after paced load / after 2000-op burst',
            `${f0(pacedSlip.idleRss)} / ${f0(pacedSlip.loadedRss)} / ${f0(median(slip.map((x) => x.rss)))} MB`,
            '< 150 MB idle',
            '',
          ],
          ['API request log written (LOG_LEVEL=info)', `${(http.logBytes / 2 ** 20).toFixed(1)} MB`, '', ''],
        ],
      ),
      '',
    ];
    process.stdout.write(`${out.join('\n')}\n`);
    if (S.cpuProf || S.heapProf) log(`profiles in ${ctx.profDir} (node bench/stack/profile.ts <file>)`);
    return 0;
  } catch (e) {
    log(`failed: ${(e as Error).stack ?? e}`);
    return 1;
  } finally {
    clearTimeout(hard);
    cleaning ??= cleanup();
    await cleaning;
    log(`done in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  }
}

process.exitCode = await main();
