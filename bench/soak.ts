// `npm run bench:soak`: the production worker bundle (bench/stack/build.ts, as bench:stack runs it:
// sandbox drivers, LOG_LEVEL=info to a file, OTLP traces to a local sink, metrics on) under a steady
// load for BENCH_SOAK_S (600) seconds: BENCH_SOAK_RATE (20) image builds a second made through core's
// createImage, the worker at concurrency BENCH_WORKER_CONCURRENCY (50). Samples the worker's RSS every
// BENCH_SOAK_SAMPLE_S (30) seconds and prints them with the growth after the first minute, the
// enqueue-to-start p50/p99 of each interval, and whether every operation succeeded (issue 10: no
// growth over a 10-minute soak). Cleans up its database, Redis keys and files like compare.ts.
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { benchCore, createInfra, freePort } from './infra.ts';
import { buildBundles } from './stack/build.ts';
import { benchServices, envNumber } from './stack/env.ts';
import { spawnNode, waitHttp, waitLog } from './stack/procs.ts';
import { ms, percentile, table } from './stats.ts';

const root = join(import.meta.dirname, '..');
const num = envNumber;
const S = {
  ...benchServices,
  rate: num('BENCH_SOAK_RATE', 20),
  seconds: num('BENCH_SOAK_S', 600),
  sampleS: num('BENCH_SOAK_SAMPLE_S', 30),
  concurrency: num('BENCH_WORKER_CONCURRENCY', 50),
  timeScale: num('BENCH_TIME_SCALE', 0.0001),
};
const t0 = Date.now();
const log = (s: string) =>
  process.stderr.write(
    `[soak ${((Date.now() - t0) / 1000).toFixed(0).padStart(4)}s load ${loadavg()[0]?.toFixed(1)}] ${s}\n`,
  );
const sleep = (n: number) => new Promise((r) => setTimeout(r, n));

async function main(): Promise<number> {
  const runDir = join(root, '.data', 'bench', `soak-${randomBytes(3).toString('hex')}`);
  const infra = await createInfra(S.databaseUrl, S.redisUrl);
  const sink = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
  });
  await new Promise<void>((ok) => sink.listen(0, '127.0.0.1', ok));
  const a = sink.address();
  const otlp = `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`;
  let worker: ReturnType<typeof spawnNode> | null = null;
  try {
    const bundles = await buildBundles(join(runDir, 'build'), process.env.BENCH_BUILD);
    const dbUrl = await infra.clone('soak');
    const prefix = `${infra.prefix}_soak`;
    const metricsPort = await freePort();
    worker = spawnNode({
      name: 'worker-soak',
      script: bundles.worker,
      logDir: join(runDir, 'logs'),
      env: {
        NODE_ENV: 'production',
        DATABASE_URL: dbUrl,
        REDIS_URL: S.redisUrl,
        DRIVER: 'sandbox',
        LOG_LEVEL: 'info',
        QUEUE_PREFIX: prefix,
        WORKER_CONCURRENCY: String(S.concurrency),
        WORKER_ID: `worker-soak-${process.pid}`,
        WORKER_METRICS_PORT: String(metricsPort),
        SANDBOX_TIME_SCALE: String(S.timeScale),
        BUILD_CONTEXT_ROOT: root,
        OTEL_EXPORTER_OTLP_ENDPOINT: otlp,
        OTEL_SERVICE_NAME: 'slipway-worker-soak',
      },
    });
    await waitHttp(worker, `http://127.0.0.1:${metricsPort}/healthz`);
    await waitLog(worker, 'worker started');
    await sleep(2000);
    const w = worker;
    const core = await benchCore({ dbUrl, redisUrl: S.redisUrl, prefix, max: 8 });
    const samples: { s: number; rss: number; heap: number; cpu: number; load: number }[] = [];
    // The V8 heap in use (prom-client's process metrics on the worker's /metrics): RSS can grow
    // while V8 sizes its spaces; a leak shows as a heap that keeps growing.
    const heapMb = async () => {
      try {
        const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
        const m = /^nodejs_heap_size_used_bytes (\S+)$/m.exec(text);
        return m ? Number(m[1]) / 2 ** 20 : Number.NaN;
      } catch {
        return Number.NaN;
      }
    };
    const sample = async () => {
      const x = { s: (Date.now() - start) / 1000, rss: w.rssMb(), heap: await heapMb(), cpu: w.cpuMs() };
      samples.push({ ...x, load: loadavg()[0] ?? 0 });
      log(`worker RSS ${x.rss.toFixed(0)} MB, heap used ${x.heap.toFixed(0)} MB`);
    };
    const start = Date.now();
    await sample();
    const sampler = setInterval(() => void sample(), S.sampleS * 1000);
    log(`${S.rate} image builds/s for ${S.seconds} s, worker concurrency ${S.concurrency}`);
    const n = Math.round(S.rate * S.seconds);
    const calls: Promise<unknown>[] = [];
    let failedCreates = 0;
    for (let i = 0; i < n; i++) {
      const wait = start + (i * 1000) / S.rate - Date.now();
      if (wait > 0) await sleep(wait);
      calls.push(core.createImage(`s-${i}`).catch(() => failedCreates++));
    }
    await Promise.all(calls);
    const sql = postgres(dbUrl, { max: 1, onnotice: () => {} });
    for (let i = 0; i < 60; i++) {
      const [r] = await sql<{ open: number }[]>`
        select count(*) filter (where status not in ('succeeded', 'failed', 'cancelled'))::int as open from operations`;
      if ((r?.open ?? 1) === 0) break;
      await sleep(500);
    }
    clearInterval(sampler);
    await sample();
    const ops = await sql<{ status: string; created: number; started: number | null }[]>`
      select status, extract(epoch from created_at) * 1000 as created, extract(epoch from started_at) * 1000 as started
      from operations where kind = 'image.build' order by created_at`;
    await sql.end();
    await core.close();
    const first = samples.find((x) => x.s >= 60) ?? samples[0];
    const last = samples.at(-1);
    const rows = samples.map((x, i) => {
      const prev = samples[i - 1];
      const from = prev ? start + prev.s * 1000 : start;
      const to = start + x.s * 1000;
      const waits = ops
        .filter((o) => o.started !== null && Number(o.created) >= from && Number(o.created) < to)
        .map((o) => Number(o.started) - Number(o.created))
        .sort((p, q) => p - q);
      return [
        x.s.toFixed(0),
        x.rss.toFixed(0),
        x.heap.toFixed(0),
        prev ? ((x.cpu - prev.cpu) / Math.max(1, waits.length)).toFixed(2) : '-',
        waits.length ? `${ms(percentile(waits, 50))} / ${ms(percentile(waits, 99))}` : '-',
        x.load.toFixed(1),
      ];
    });
    const ok = ops.filter((o) => o.status === 'succeeded').length;
    process.stdout.write(
      [
        `## npm run bench:soak (${new Date().toISOString().slice(0, 16)}Z)`,
        '',
        `- ${S.rate} image builds/s for ${S.seconds} s through core's createImage; worker bundle (sandbox, time scale ${S.timeScale}, concurrency ${S.concurrency}, LOG_LEVEL=info, OTLP on); ${ok}/${n} succeeded${failedCreates ? `, ${failedCreates} creates failed` : ''}`,
        `- worker RSS ${first?.rss.toFixed(0)} MB at ${first?.s.toFixed(0)} s -> ${last?.rss.toFixed(0)} MB at ${last?.s.toFixed(0)} s: ${((last?.rss ?? 0) - (first?.rss ?? 0)).toFixed(0)} MB growth after the first minute; heap used ${first?.heap.toFixed(0)} -> ${last?.heap.toFixed(0)} MB`,
        '',
        table(
          ['s', 'worker RSS MB', 'heap used MB', 'CPU ms/op', 'enqueue-to-start p50 / p99 ms', 'load'],
          rows,
        ),
        '',
      ].join('\n'),
    );
    return ok === n ? 0 : 1;
  } catch (e) {
    log(`failed: ${(e as Error).stack ?? e}`);
    return 1;
  } finally {
    await worker?.stop(3000);
    sink.close();
    for (const p of await infra.cleanup()) log(`cleanup: ${p}`);
    if (process.env.BENCH_KEEP_LOGS !== '1') rmSync(runDir, { recursive: true, force: true });
    log(`done in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  }
}

process.exitCode = await main();
