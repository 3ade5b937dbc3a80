import type { Server } from 'node:http';
import { type CoreDeps, silentLogger } from '@slipway/core';
import { createDb, type Sql } from '@slipway/db';
import { announceWorker, createProducer, withdrawWorker } from '@slipway/jobs';
import {
  createLogger,
  instrumentPostgres,
  queueTelemetry,
  serveMetrics,
  startTelemetry,
  traceDrivers,
  WorkerMetrics,
} from '@slipway/telemetry';
import type { Job } from 'bullmq';
import { loadWorkerConfig } from './config.ts';
import { buildDrivers } from './drivers.ts';
import { ensureRedisPolicy } from './redis-policy.ts';
import { startWorker } from './worker.ts';

async function main() {
  const config = loadWorkerConfig(process.env);
  let stopping = false;
  const log = createLogger({ name: 'slipway-worker', level: config.LOG_LEVEL });
  const telemetry = startTelemetry({ serviceName: 'slipway-worker', otel: config });
  // After sdk start, or BullMQOtel silently emits nothing.
  const bullTelemetry = queueTelemetry();
  const db = createDb({
    url: config.DATABASE_URL,
    max: Math.min(20, config.WORKER_CONCURRENCY * 2 + 4),
  });
  instrumentPostgres(db.sql);
  const producer = createProducer({
    redisUrl: config.REDIS_URL,
    prefix: config.QUEUE_PREFIX,
    telemetry: bullTelemetry,
  });
  await producer
    .ready(30_000)
    .catch(() => log.warn('Redis not reachable yet; workers will keep reconnecting'));
  await ensureRedisPolicy(producer.redis, log);
  const built = await buildDrivers(config);
  const { names, report } = built;
  // Every driver call is a span (`driver images.build`, ...) inside the operation's trace.
  const drivers = traceDrivers(built.drivers);
  log.info(
    { drivers: report.map((r) => `${r.family}=${r.kind}${r.reachable ? '' : ' (unreachable)'}`) },
    'drivers chosen',
  );
  const deps: CoreDeps = { db: db.db, producer, driver: names, log: log ?? silentLogger };
  // Queue depth is read from Redis at scrape time (only once the connection is up: a BullMQ queue
  // built on a connecting socket never recovers).
  const metrics = new WorkerMetrics({
    queues: config.WORKER_QUEUES.map((name) => ({
      name,
      getJobCounts: () =>
        producer.redis.status === 'ready'
          ? producer.queue(name).getJobCounts()
          : Promise.reject(new Error('Redis not ready')),
    })),
  });
  const worker = startWorker({
    config,
    deps,
    drivers,
    log,
    telemetry: bullTelemetry,
    // Crash-only recovery from a wedged Postgres pool: exit, the supervisor restarts us, and the
    // reconciler elsewhere re-drives what this process held once its leases lapse.
    onWedged: (stalledMs) => {
      log.fatal({ stalledMs }, 'a Postgres call has hung past twice the lease; exiting for a clean restart');
      process.exit(70);
    },
    onSweep: (r) => metrics.recordSweep(r),
  });
  observeOperations(worker.workers, metrics, db.sql, (id) => worker.runner.takeSettled(id));
  let metricsServer: Server | null = null;
  if (config.WORKER_METRICS_PORT > 0) {
    metricsServer = await serveMetrics({
      port: config.WORKER_METRICS_PORT,
      registry: metrics.registry,
      healthy: () => !stopping,
    }).catch((err: unknown) => {
      // Several workers on one host (npm run dev, tests) share the default port: the first one serves.
      log.error({ err, port: config.WORKER_METRICS_PORT }, 'metrics endpoint not started');
      return null;
    });
    if (metricsServer) log.info({ port: config.WORKER_METRICS_PORT }, 'metrics on /metrics');
  }
  const announcement = {
    workerId: config.WORKER_ID,
    queues: config.WORKER_QUEUES,
    drivers: report,
    startedAt: new Date().toISOString(),
  };
  const announce = () => announceWorker(producer.redis, config.QUEUE_PREFIX, announcement).catch(() => {});
  await announce();
  const announcer = setInterval(announce, 20_000);
  log.info(
    { queues: config.WORKER_QUEUES, concurrency: config.WORKER_CONCURRENCY, id: config.WORKER_ID },
    'worker started',
  );

  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    clearInterval(announcer);
    await worker.shutdown();
    metricsServer?.close();
    await withdrawWorker(producer.redis, config.QUEUE_PREFIX, config.WORKER_ID).catch(() => {});
    await producer.close();
    await db.close();
    await telemetry.shutdown().catch(() => {});
    log.info('bye');
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

/**
 * slipway_operation_duration_seconds: from a job going active to its end, labelled with the
 * operation kind (the job name) and the status the operation was left in (succeeded, failed,
 * cancelled; queued/running when it was handed back or will retry).
 */
function observeOperations(
  workers: import('bullmq').Worker[],
  metrics: WorkerMetrics,
  sql: Sql,
  settled: (jobId: string) => string | null,
): void {
  const started = new Map<string, number>();
  const done = (job: Job | undefined) => {
    if (!job?.id) return;
    const t0 = started.get(job.id);
    started.delete(job.id);
    const status = settled(job.id);
    if (t0 === undefined) return;
    const seconds = (performance.now() - t0) / 1000;
    // The runner knows the status when it settled the operation itself; otherwise Postgres says.
    if (status) {
      metrics.observeOperation(job.name, status, seconds);
      return;
    }
    sql<{ status: string }[]>`select status from operations where id = ${job.id}`.then(
      ([row]) => metrics.observeOperation(job.name, row?.status ?? 'missing', seconds),
      () => metrics.observeOperation(job.name, 'unknown', seconds),
    );
  };
  for (const w of workers) {
    w.on('active', (job) => {
      if (job.id) started.set(job.id, performance.now());
    });
    w.on('completed', (job) => done(job));
    w.on('failed', (job) => done(job));
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
