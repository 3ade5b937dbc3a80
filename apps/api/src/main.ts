import type { Server } from 'node:http';
import { pathToFileURL } from 'node:url';
import { serve } from '@hono/node-server';
import { type CoreDeps, ensureAdmin } from '@slipway/core';
import { createDb, migrationsApplied } from '@slipway/db';
import { listWorkers, redisReady } from '@slipway/jobs';
import {
  createLogger,
  HttpMetrics,
  instrumentPostgres,
  queueTelemetry,
  startTelemetry,
} from '@slipway/telemetry';
import { createApp, type DriverReport } from './app.ts';
import { type Config, ConfigError, loadConfig, recordedDrivers } from './config.ts';
import { answerProtocolErrors } from './middleware/protocol-errors.ts';
import { connectProducer } from './producer.ts';
import { closeEventStreams } from './routes/events/streams.ts';

export type RunningApi = {
  port: number;
  /** Graceful stop: what SIGTERM does, without exiting the process. */
  stop(): Promise<void>;
};

/**
 * Composition root: config -> telemetry -> Postgres -> (migrations checked, not applied: that is
 * `npm run db:migrate` / the dev script) -> producer -> first admin -> app -> HTTP server.
 */
export async function startApi(config: Config): Promise<RunningApi> {
  const log = createLogger({ name: 'api', level: config.LOG_LEVEL });
  // Server spans come from the observe middleware (one span per request, cheaper than node:http's).
  const telemetry = startTelemetry({ serviceName: 'slipway-api', otel: config, httpServerSpans: false });
  const db = createDb({ url: config.DATABASE_URL, connectTimeoutSec: 3 });
  instrumentPostgres(db.sql);
  if (!(await migrationsApplied(db.sql))) {
    log.error(
      'database migrations are not (all) applied: run `npm run db:migrate`; /readyz answers 503 until then',
    );
  }
  const producer = await connectProducer({
    redisUrl: config.REDIS_URL,
    prefix: config.QUEUE_PREFIX,
    telemetry: queueTelemetry(),
  });
  const core: CoreDeps = { db: db.db, producer, driver: recordedDrivers(config.DRIVER), log };
  const admin = await ensureAdmin(core, config.ADMIN_EMAIL, config.ADMIN_PASSWORD);
  log.info({ adminId: admin.id, driver: config.DRIVER }, 'admin user present');

  // The rate limit's script (one call per event-loop turn's checks) and the login limiter run on
  // their own connection with auto-pipelining (same fail-fast options as the producer's). Ready
  // before the API listens: with no offline queue a first request would otherwise be refused while
  // it connects (a Redis Cluster takes a moment to learn its slots).
  const rateLimitRedis = producer.redis.duplicate({ enableAutoPipelining: true });
  rateLimitRedis.on('error', () => {});
  try {
    await redisReady(rateLimitRedis, 10_000);
  } catch (e) {
    rateLimitRedis.disconnect();
    await producer.close();
    throw e;
  }
  const app = createApp({
    core,
    sql: db.sql,
    redis: producer.redis,
    rateLimitRedis,
    config,
    metrics: new HttpMetrics(),
    log,
    // What the live workers announced (each worker picks its own adapters; DRIVER=auto may differ per host).
    driversReport: async () =>
      (await listWorkers(producer.redis, config.QUEUE_PREFIX)).flatMap((w) =>
        w.drivers.map((d) => ({ ...(d as unknown as DriverReport), worker: w.workerId })),
      ),
  });

  const server = await new Promise<Server>((ok) => {
    const s = serve({ fetch: app.fetch, port: config.PORT }, () => ok(s as Server));
  });
  answerProtocolErrors(server);
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.PORT;
  log.info({ port }, 'api listening');

  let stopping: Promise<void> | null = null;
  const stop = () => {
    stopping ??= (async () => {
      log.info({ graceMs: config.API_SHUTDOWN_GRACE_MS }, 'shutting down: no new connections, draining');
      // Stop accepting; idle keep-alive sockets close now, busy ones when their response is sent.
      const closed = new Promise<void>((ok) => server.close(() => ok()));
      // Event streams end now (clients resume on another process with Last-Event-ID).
      await closeEventStreams(app);
      server.closeIdleConnections();
      const grace = new Promise<'timeout'>((ok) =>
        setTimeout(() => ok('timeout'), config.API_SHUTDOWN_GRACE_MS).unref(),
      );
      if ((await Promise.race([closed, grace])) === 'timeout') {
        log.warn('grace period over: closing the remaining connections');
        server.closeAllConnections();
        await closed;
      }
      await app.drain();
      rateLimitRedis.disconnect();
      await producer.close().catch((err: unknown) => log.warn({ err }, 'producer close failed'));
      await db.close().catch((err: unknown) => log.warn({ err }, 'database close failed'));
      await telemetry.shutdown().catch((err: unknown) => log.warn({ err }, 'telemetry shutdown failed'));
      log.info('stopped');
    })();
    return stopping;
  };
  return { port, stop };
}

/** `node apps/api/src/main.ts`: start, and stop cleanly on SIGTERM/SIGINT (exit 0). */
export async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig(process.env);
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`${e.message}\n`);
      process.exit(1);
    }
    throw e;
  }
  let api: RunningApi;
  try {
    api = await startApi(config);
  } catch (err) {
    process.stderr.write(`api failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  }
  const onSignal = (signal: string) => {
    process.stderr.write(`${signal} received\n`);
    api.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', () => onSignal('SIGTERM'));
  process.once('SIGINT', () => onSignal('SIGINT'));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main();
}
