import { type CoreDeps, silentLogger } from '@slipway/core';
import { createDb } from '@slipway/db';
import { announceWorker, createProducer, withdrawWorker } from '@slipway/jobs';
import { createLogger, queueTelemetry, startTelemetry, traceQuery } from '@slipway/telemetry';
import { loadWorkerConfig } from './config.ts';
import { buildDrivers } from './drivers.ts';
import { ensureRedisPolicy } from './redis-policy.ts';
import { startWorker } from './worker.ts';

async function main() {
  const config = loadWorkerConfig(process.env);
  const log = createLogger({ name: 'slipway-worker', level: config.LOG_LEVEL });
  const telemetry = startTelemetry({
    serviceName: 'slipway-worker',
    otlpEndpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT,
  });
  // After sdk start, or BullMQOtel silently emits nothing.
  const bullTelemetry = queueTelemetry();
  const db = createDb({
    url: config.DATABASE_URL,
    max: Math.min(20, config.WORKER_CONCURRENCY * 2 + 4),
    onQuery: traceQuery,
  });
  const producer = createProducer({
    redisUrl: config.REDIS_URL,
    prefix: config.QUEUE_PREFIX,
    telemetry: bullTelemetry,
  });
  await producer
    .ready(30_000)
    .catch(() => log.warn('Redis not reachable yet; workers will keep reconnecting'));
  await ensureRedisPolicy(producer.redis, log);
  const { drivers, names, report } = await buildDrivers(config);
  log.info(
    { drivers: report.map((r) => `${r.family}=${r.kind}${r.reachable ? '' : ' (unreachable)'}`) },
    'drivers chosen',
  );
  const deps: CoreDeps = { db: db.db, producer, driver: names, log: log ?? silentLogger };
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
  });
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

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    clearInterval(announcer);
    await worker.shutdown();
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

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
