// `npm run bench`: one command, its own database and Redis prefix, bounded in time, prints a table.
// Performance targets live here as printed numbers, never as timed test assertions.
import { cpus, freemem, loadavg, totalmem } from 'node:os';
import { performance } from 'node:perf_hooks';
import { Redis } from 'ioredis';
import postgres from 'postgres';
import { type ConsoleRow, runConsoleBench } from './console.ts';
import { type HttpRow, runHttpBench } from './http.ts';
import { type BenchInfra, createInfra } from './infra.ts';
import { type PoolRow, runPoolBench } from './pg-pool.ts';
import { type PipelineRow, runPipelineBench } from './pipeline.ts';
import { runSseBench, sseTable } from './sse.ts';
import { ms, rate, table } from './stats.ts';

const env = process.env;
const int = (name: string, def: number) => {
  const v = Number(env[name]);
  return Number.isInteger(v) && v > 0 ? v : def;
};
const settings = {
  pgUrl: env.BENCH_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres',
  redisUrl: env.BENCH_REDIS_URL || 'redis://127.0.0.1:6379',
  httpRequests: int('BENCH_HTTP_REQUESTS', 2000),
  httpSequential: int('BENCH_HTTP_SEQUENTIAL', 500),
  pipelineOps: int('BENCH_PIPELINE_OPS', 500),
  /** The whole run is killed (after cleanup) past this: a hung phase must not hang CI or a laptop. */
  hardLimitMs: int('BENCH_HARD_LIMIT_MS', 300_000),
};
const HTTP_CONCURRENCY = [1, 16, 64];
const WORKER_CONCURRENCY = [1, 4, 16];

const log = (line: string) =>
  process.stderr.write(`[bench ${(performance.now() / 1000).toFixed(1)}s] ${line}\n`);

/** Other work on the machine (a test suite next door) lowers every number; print it beside them. */
const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' / ');

async function machine(): Promise<string[]> {
  const c = cpus();
  const lines = [
    `cpus: ${c.length} x ${c[0]?.model.trim() ?? 'unknown'}`,
    `memory: ${(totalmem() / 2 ** 30).toFixed(1)} GiB (${(freemem() / 2 ** 30).toFixed(1)} GiB free)`,
    `node: ${process.version} (${process.platform}/${process.arch})`,
    `load average at start (1/5/15 min): ${load()}`,
  ];
  const sql = postgres(settings.pgUrl, { max: 1, onnotice: () => {}, connect_timeout: 5 });
  try {
    const [v] = await sql<{ v: string }[]>`select current_setting('server_version') as v`;
    lines.push(`postgres: ${v?.v ?? '?'} (${new URL(settings.pgUrl).host})`);
  } finally {
    await sql.end({ timeout: 5 });
  }
  const r = new Redis(settings.redisUrl, { maxRetriesPerRequest: 1, lazyConnect: true });
  r.on('error', () => {});
  try {
    await r.connect();
    const info = await r.info('server');
    lines.push(`redis: ${/redis_version:(\S+)/.exec(info)?.[1] ?? '?'} (${new URL(settings.redisUrl).host})`);
  } finally {
    r.disconnect();
  }
  return lines;
}

function httpTable(rows: HttpRow[]): string {
  return table(
    ['HTTP scenario', 'conc', 'req/s', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms', 'non-2xx'],
    rows.map((r) => [
      r.scenario,
      String(r.concurrency),
      rate(r.requestsPerSec),
      ms(r.latency.p50),
      ms(r.latency.p95),
      ms(r.latency.p99),
      ms(r.latency.max),
      `${r.errors}${r.timedOut ? ' (cut)' : ''}`,
    ]),
  );
}

function pipelineTable(rows: PipelineRow[]): string {
  return table(
    ['worker conc', 'ops', 'ok', 'failed', 'ops/s', 'e2e p50', 'e2e p95', 'wait p50', 'run p50', 'run p95'],
    rows.map((r) => [
      String(r.concurrency),
      String(r.ops),
      String(r.succeeded),
      `${r.failed}${r.timedOut ? ' (cut)' : ''}`,
      rate(r.opsPerSec),
      ms(r.endToEnd.p50),
      ms(r.endToEnd.p95),
      ms(r.wait.p50),
      ms(r.run.p50),
      ms(r.run.p95),
    ]),
  );
}

function poolTable(rows: PoolRow[]): string {
  return table(
    [
      'postgres.js (max 10)',
      'before q/s',
      'before p99',
      'burst ms',
      'after q/s',
      'after p99',
      'after/before',
      'sql.begin rejected',
    ],
    rows.map((r) => [
      `${r.mode} (${r.maxPipeline})`,
      rate(r.before.qps),
      ms(r.before.latency.p99),
      ms(r.burstMs),
      rate(r.after.qps),
      ms(r.after.latency.p99),
      `${(r.ratio * 100).toFixed(0)}%`,
      `${r.mixed.unsafe}/${r.mixed.transactions}${r.mixed.otherErrors ? ` (+${r.mixed.otherErrors} other)` : ''}`,
    ]),
  );
}

function consoleTable(r: ConsoleRow): string {
  const kb = (n: number) => `${(n / 1000).toFixed(1)} kB`;
  return table(
    ['JS gzip', 'JS raw', 'CSS gzip', 'first load -> 100 rows', 'reload p50', 'reload max'],
    [
      [
        kb(r.jsGzip),
        kb(r.jsBytes),
        kb(r.cssGzip),
        r.firstLoadMs === null ? (r.note ?? '-') : ms(r.firstLoadMs),
        r.reload ? ms(r.reload.p50) : '-',
        r.reload ? ms(r.reload.max) : '-',
      ],
    ],
  );
}

async function main(): Promise<number> {
  const started = performance.now();
  let infra: BenchInfra | null = null;
  let cleaned = false;
  const cleanup = async () => {
    if (cleaned || !infra) return;
    cleaned = true;
    const problems = await infra.cleanup();
    for (const p of problems) log(`cleanup: ${p}`);
    log(`cleanup: dropped ${infra.name}* and Redis keys ${infra.prefix}*`);
  };
  const abort = (why: string, code: number) => {
    log(why);
    void cleanup().finally(() => process.exit(code));
  };
  const hard = setTimeout(
    () => abort(`hard limit ${settings.hardLimitMs} ms reached: aborting`, 2),
    settings.hardLimitMs,
  );
  hard.unref();
  process.once('SIGINT', () => abort('SIGINT: cleaning up', 130));
  process.once('SIGTERM', () => abort('SIGTERM: cleaning up', 143));

  try {
    const m = await machine();
    for (const l of m) log(l);
    infra = await createInfra(settings.pgUrl, settings.redisUrl);
    log(`database ${infra.name} migrated; Redis prefix ${infra.prefix}_*`);
    // Clone every phase's database now, while nothing is connected to the template.
    const apiDb = await infra.clone('api');
    const workerDbs = new Map<number, string>();
    for (const c of WORKER_CONCURRENCY) workerDbs.set(c, await infra.clone(`w${c}`));
    const consoleDb = await infra.clone('console');
    const sseDb = await infra.clone('sse');

    log(
      `1/5 HTTP API: ${settings.httpSequential} requests at concurrency 1, ${settings.httpRequests} at 16 and 64`,
    );
    const http = await runHttpBench({
      databaseUrl: apiDb,
      redisUrl: settings.redisUrl,
      prefix: `${infra.prefix}_api`,
      requestsPerScenario: settings.httpRequests,
      sequentialRequests: settings.httpSequential,
      concurrencies: HTTP_CONCURRENCY,
      deploymentsPerUser: 20,
      scenarioDeadlineMs: 30_000,
      log,
    });

    log(`2/5 operation pipeline: ${settings.pipelineOps} image builds per worker concurrency`);
    const pipeline: PipelineRow[] = [];
    for (const c of WORKER_CONCURRENCY) {
      const row = await runPipelineBench({
        databaseUrl: workerDbs.get(c) ?? '',
        redisUrl: settings.redisUrl,
        prefix: `${infra.prefix}_w${c}`,
        concurrency: c,
        ops: settings.pipelineOps,
        creators: 8,
        deadlineMs: 45_000,
      });
      pipeline.push(row);
      for (const e of row.errors.slice(0, 5)) log(`pipeline c=${c}: operation did not succeed: ${e}`);
      log(`pipeline c=${c}: ${row.opsPerSec.toFixed(0)} ops/s, e2e p50 ${row.endToEnd.p50.toFixed(0)} ms`);
    }

    log('3/5 postgres.js pool after a burst');
    const pool = await runPoolBench({
      url: infra.url,
      steadyQueries: 5000,
      steadyConcurrency: 10,
      burst: 1000,
      rounds: 5,
    });
    for (const r of pool)
      log(
        `pool ${r.mode}: ${r.before.qps.toFixed(0)} -> ${r.after.qps.toFixed(0)} q/s after the burst; ${r.mixed.unsafe}/${r.mixed.transactions} transactions rejected`,
      );

    log('4/5 web console: bundle size and 100 clusters rendered in chromium');
    const consoleRow = await runConsoleBench({
      databaseUrl: consoleDb,
      redisUrl: settings.redisUrl,
      prefix: `${infra.prefix}_console`,
      reloads: 5,
      log,
    });

    log('5/5 live streams: 100 SSE streams, delay from commit to the message at the client');
    const sse = await runSseBench({
      databaseUrl: sseDb,
      redisUrl: settings.redisUrl,
      prefix: `${infra.prefix}_sse`,
      log,
    });

    const out = [
      '',
      '## Machine',
      ...m.map((l) => `- ${l}`),
      `- load average at end (1/5/15 min): ${load()}`,
      '',
      `## 1. HTTP API (in-process server, load from a child process, ${http.users} premium users round-robin)`,
      httpTable(http.rows),
      '',
      `## 2. Operation pipeline (createImage -> BullMQ -> worker -> terminal; ${settings.pipelineOps} ops, sandbox timeScale 0)`,
      pipelineTable(pipeline),
      ...pipeline.flatMap((r) => r.errors.map((e) => `- c=${r.concurrency} not succeeded: ${e}`)),
      '',
      '## 3. postgres.js pool: steady select 1 x5000 @10 before/after a burst of 1000 (median of 5 rounds)',
      poolTable(pool),
      '`sql.begin rejected`: UNSAFE_TRANSACTION errors among the transactions of a mixed load (40 callers, half',
      'sql.begin, half plain queries), summed over the rounds: porsager/postgres#1189, see bench/README.md.',
      '',
      '## 4. Web console (targets: < 250 kB gzip JS, < 1 s to the clusters list with 100 clusters)',
      consoleTable(consoleRow),
      '',
      '## 5. Live streams (SSE): 100 open, one API process, events written through another pool',
      ...sseTable(sse),
      '',
      `total ${((performance.now() - started) / 1000).toFixed(1)} s`,
      '',
    ];
    process.stdout.write(out.join('\n'));
    return 0;
  } catch (e) {
    log(`FAILED: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    return 1;
  } finally {
    await cleanup();
    clearTimeout(hard);
  }
}

// Exit explicitly: every connection made here is closed above, but a library timer left behind
// (telemetry, BullMQ) must not keep a finished bench alive.
process.exit(await main());
