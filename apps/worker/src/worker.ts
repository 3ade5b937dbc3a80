import { type CoreDeps, type Logger, reconcile } from '@slipway/core';
import type { Drivers } from '@slipway/drivers';
import { type QueueName, subscribeCancels, workerConnection } from '@slipway/jobs';
import { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { aiSettings, type WorkerConfig } from './config.ts';
import { processors, readsResource } from './processors/index.ts';
import { OperationRunner } from './runner.ts';

export type SlipwayWorker = {
  runner: OperationRunner;
  workers: Worker[];
  /** SIGTERM: stop fetching, let active jobs finish within the grace, hand back the rest, close. */
  shutdown(graceMs?: number): Promise<void>;
};

export type StartWorkerOptions = {
  config: WorkerConfig;
  deps: CoreDeps;
  drivers: Drivers;
  log: Logger;
  telemetry?: import('bullmq').Telemetry | undefined;
  /** See RunnerOptions.onWedged; main.ts exits the process. */
  onWedged?: ((stalledMs: number) => void) | undefined;
  /** Each reconciler sweep's result (main.ts counts the actions in slipway_reconciler_actions_total). */
  onSweep?: ((r: { reenqueued: number; redriven: number; failed: number }) => void) | undefined;
};

/** Starts one BullMQ worker per served queue plus the reconciler loop. */
export function startWorker(o: StartWorkerOptions): SlipwayWorker {
  const { config, deps, drivers, log } = o;
  const runner = new OperationRunner({
    deps,
    drivers,
    processors,
    readsResource,
    workerId: config.WORKER_ID,
    leaseMs: config.LEASE_MS,
    operationTimeoutMs: config.OPERATION_TIMEOUT_MS,
    log,
    crashOn: config.SLIPWAY_FAULT_CRASH_ON,
    onWedged: o.onWedged,
    settings: {
      rolloutTimeoutMs: config.ROLLOUT_TIMEOUT_MS,
      serviceTimeoutMs: config.SERVICE_TIMEOUT_MS,
      ai: aiSettings(config),
    },
  });
  const connections: Redis[] = [];
  const workers = config.WORKER_QUEUES.map((queue: QueueName) => {
    const connection = workerConnection(config.REDIS_URL);
    connection.on('error', () => {});
    connections.push(connection);
    const w = new Worker(queue, runner.process, {
      connection,
      prefix: config.QUEUE_PREFIX,
      concurrency: config.WORKER_CONCURRENCY,
      name: config.WORKER_ID,
      maxStartedAttempts: config.MAX_STARTED_ATTEMPTS,
      stalledInterval: config.STALLED_INTERVAL_MS,
      lockDuration: Math.max(config.STALLED_INTERVAL_MS, 1000),
      maxStalledCount: 1,
      ...(o.telemetry ? { telemetry: o.telemetry } : {}),
    });
    w.on('error', (e) => log.warn({ err: e.message, queue }, 'worker error'));
    w.on('failed', (job, e) => log.warn({ jobId: job?.id, queue, err: e.message }, 'job failed in BullMQ'));
    return w;
  });

  // Cancels arrive over pub/sub so a running driver call is aborted within milliseconds.
  const cancels = subscribeCancels(config.REDIS_URL, config.QUEUE_PREFIX, (id) => {
    if (runner.cancel(id)) log.info({ operationId: id }, 'cancelled while running; aborted');
  });

  let sweeping = false;
  const sweep = async () => {
    if (sweeping) return;
    sweeping = true;
    try {
      const r = await reconcile(deps, {
        queuedGraceMs: Math.max(1000, config.RECONCILE_INTERVAL_MS),
        maxAttempts: config.MAX_OPERATION_ATTEMPTS,
        redriveDelayMs: config.REDRIVE_DELAY_MS,
      });
      o.onSweep?.(r);
      if (r.reenqueued || r.redriven || r.failed) log.info(r, 'reconciler sweep');
    } catch (e) {
      log.warn({ err: (e as Error).message }, 'reconciler sweep failed');
    } finally {
      sweeping = false;
    }
  };
  const timer = setInterval(sweep, config.RECONCILE_INTERVAL_MS);
  void sweep();

  return {
    runner,
    workers,
    async shutdown(graceMs = config.WORKER_SHUTDOWN_GRACE_MS) {
      clearInterval(timer);
      runner.stop();
      // Stop fetching; jobs already running carry on.
      await Promise.all(workers.map((w) => w.pause(true).catch(() => {})));
      const idle = await runner.whenIdle(graceMs);
      if (!idle) {
        log.warn({ active: runner.activeCount }, 'grace period over; handing active operations back');
        await runner.abortAll(5_000);
      }
      runner.dispose();
      cancels.close();
      await Promise.all(workers.map((w) => w.close().catch(() => {})));
      for (const c of connections) c.disconnect();
    },
  };
}
