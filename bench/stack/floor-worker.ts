// The worker's feature floor (issue 10): the bare BullMQ worker (bench/stack/bare-worker.ts) plus
// what the issue keeps on for an operation, each done the plainest way with Slipway's libraries,
// and nothing else. Per job, on bench_bare_jobs / bench_bare_events:
//   - a fenced claim with a compare-and-set: `queued` -> `running` only from `queued`, with a fresh
//     claim token, `started_at`; the finish is `running` -> `done` only under that token;
//   - an event row per transition (running, done);
//   - tracing: the SDK as the apps start it (batch processor, OTLP/HTTP JSON to the bench's sink),
//     BullMQ's OpenTelemetry bridge (bullmq-otel: process/complete spans, ioredis spans under them),
//     a span for the operation and a CLIENT span around each statement;
//   - prom-client: an operation duration histogram and a counter by kind and outcome;
//   - a pino line per transition at info (trace ids mixed in), written asynchronously to stdout.
// One process, concurrency BARE_CONCURRENCY (50), pool BARE_POOL, as the bare worker. Env:
// BARE_DATABASE_URL, BARE_REDIS_URL, BARE_PREFIX, BARE_CONCURRENCY, BARE_POOL, OTEL_EXPORTER_OTLP_ENDPOINT.
import { randomUUID } from 'node:crypto';
import { SpanStatusCode } from '@opentelemetry/api';
import { queueTelemetry, startTelemetry } from '@slipway/telemetry';
import { Worker } from 'bullmq';
import postgres from 'postgres';
import client from 'prom-client';
import { floorLogger, traced, tracer } from './floor-kit.ts';

const env = (k: string) => {
  const v = process.env[k];
  if (!v) throw new Error(`${k} is required`);
  return v;
};

const telemetry = startTelemetry({
  serviceName: 'slipway-floor-worker-bench',
  otel: { OTEL_EXPORTER_OTLP_ENDPOINT: process.env.OTEL_EXPORTER_OTLP_ENDPOINT },
});
const log = floorLogger('floor-worker');
const registry = new client.Registry();
const duration = new client.Histogram({
  name: 'operation_duration_seconds',
  help: 'duration',
  labelNames: ['kind', 'outcome'],
  registers: [registry],
});
const finished = new client.Counter({
  name: 'operations_total',
  help: 'operations',
  labelNames: ['kind', 'outcome'],
  registers: [registry],
});

const sql = postgres(env('BARE_DATABASE_URL'), {
  max: Number(process.env.BARE_POOL ?? 20),
  onnotice: () => {},
});

// Each transition and its event in one statement (atomic, one round trip), as the bare worker's UPDATE.
const CLAIM = `with c as (update bench_bare_jobs set status = 'running', claim = $2, started_at = clock_timestamp()
  where id = $1 and status = 'queued' returning id)
  insert into bench_bare_events (job_id, status) select id, 'running' from c returning job_id`;
const FINISH = `with f as (update bench_bare_jobs set status = 'done', finished_at = clock_timestamp()
  where id = $1 and status = 'running' and claim = $2 returning id)
  insert into bench_bare_events (job_id, status) select id, 'done' from f returning job_id`;
const transition = (text: string, id: number, token: string) =>
  traced(text, async () => (await sql.unsafe(text, [id, token], { prepare: true })).length === 1);

const worker = new Worker(
  'bare-jobs',
  async (job) => {
    const id = (job.data as { id: number }).id;
    const started = performance.now();
    return tracer.startActiveSpan(
      'operation job',
      { attributes: { 'slipway.operation.id': id } },
      async (span) => {
        let outcome = 'succeeded';
        try {
          const token = randomUUID();
          if (!(await transition(CLAIM, id, token))) {
            outcome = 'skipped';
            log.info({ operationId: id }, 'operation not claimable');
            return;
          }
          log.info({ operationId: id, status: 'running' }, 'operation transition');
          const done = await transition(FINISH, id, token);
          if (!done) outcome = 'fenced';
          log.info({ operationId: id, status: done ? 'done' : 'fenced' }, 'operation transition');
        } catch (e) {
          outcome = 'failed';
          span.recordException(e as Error);
          span.setStatus({ code: SpanStatusCode.ERROR });
          throw e;
        } finally {
          span.end();
          const s = (performance.now() - started) / 1000;
          duration.observe({ kind: 'job', outcome }, s);
          finished.inc({ kind: 'job', outcome });
        }
      },
    );
  },
  {
    connection: { url: env('BARE_REDIS_URL'), maxRetriesPerRequest: null },
    prefix: env('BARE_PREFIX'),
    concurrency: Number(process.env.BARE_CONCURRENCY ?? 50),
    // Created after startTelemetry, as the apps do (before it, it emits nothing).
    telemetry: queueTelemetry(),
  },
);
worker.on('error', (e) => log.error({ err: e }, 'floor worker error'));
void worker.waitUntilReady().then(() => console.log('floor worker ready'));
const stop = () =>
  void Promise.allSettled([worker.close(), sql.end({ timeout: 2 }), telemetry.shutdown()]).then(() => {
    log.flush();
    process.exit(0);
  });
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
