import {
  type Actor,
  type CoreDeps,
  clusterAction,
  createCluster,
  getCluster,
  silentLogger,
  waitForOperation,
} from '@slipway/core';
import type { Cluster, Operation } from '@slipway/db';
import { createDrivers, type Drivers, driverNames } from '@slipway/drivers';
import { createProducer, type Producer } from '@slipway/jobs';
import {
  createTestDatabase,
  insertUser,
  type TestDatabase,
  testPrefix,
  testRedisUrl,
} from '@slipway/testing';
import type { Telemetry } from 'bullmq';
import { loadWorkerConfig } from './config.ts';
import { type SlipwayWorker, startWorker } from './worker.ts';

export type WorkerHarness = {
  t: TestDatabase;
  deps: CoreDeps;
  producer: Producer;
  worker: SlipwayWorker;
  owner: Actor;
  /** Waits until the operation is terminal (throws if it is not within `ms`). */
  settle(op: Pick<Operation, 'id'>, ms?: number): Promise<Operation>;
  /** A minikube cluster created and started through the worker (the sandbox's), once it is running. */
  runningCluster(name: string): Promise<Cluster>;
  close(): Promise<void>;
};

/** A real worker (BullMQ + Postgres + sandbox drivers at a tiny time scale) on a private database and queue prefix. */
export async function startHarness(
  env: Record<string, string> = {},
  opts: { startWorker?: boolean; drivers?: Drivers; telemetry?: Telemetry } = {},
): Promise<WorkerHarness> {
  const t = await createTestDatabase();
  const prefix = testPrefix();
  const config = loadWorkerConfig({
    DATABASE_URL: t.url,
    REDIS_URL: testRedisUrl(),
    QUEUE_PREFIX: prefix,
    SANDBOX_TIME_SCALE: '0.002',
    LEASE_MS: '3000',
    RECONCILE_INTERVAL_MS: '300',
    WORKER_CONCURRENCY: '4',
    STALLED_INTERVAL_MS: '2000',
    ROLLOUT_TIMEOUT_MS: '30000',
    SERVICE_TIMEOUT_MS: '30000',
    WORKER_SHUTDOWN_GRACE_MS: '2000',
    LOG_LEVEL: 'silent',
    ...env,
  });
  const { drivers } = opts.drivers
    ? { drivers: opts.drivers }
    : await createDrivers({
        mode: 'sandbox',
        sandbox: { timeScale: config.SANDBOX_TIME_SCALE, ledgerPath: config.SANDBOX_LEDGER ?? null },
        buildContextRoot: process.cwd(),
      });
  const producer = createProducer({ redisUrl: config.REDIS_URL, prefix, telemetry: opts.telemetry });
  const deps: CoreDeps = { db: t.db, producer, driver: driverNames(drivers), log: silentLogger };
  const worker =
    opts.startWorker === false
      ? (null as unknown as SlipwayWorker)
      : startWorker({ config, deps, drivers, log: silentLogger, telemetry: opts.telemetry });
  const u = await insertUser(t.db, 'operator');
  const owner: Actor = { id: u.id, role: 'operator' };
  async function settle(op: Pick<Operation, 'id'>, ms = 20_000): Promise<Operation> {
    const done = await waitForOperation(deps, op.id, ms, 25);
    if (!['succeeded', 'failed', 'cancelled'].includes(done.status))
      throw new Error(`operation ${op.id} still ${done.status} after ${ms} ms`);
    return done;
  }
  return {
    t,
    deps,
    producer,
    worker,
    owner,
    settle,
    async runningCluster(name) {
      const c = await createCluster(deps, owner, {
        name,
        cpus: 2,
        memory: 4096,
        diskSize: 20_000,
        kubernetesVersion: 'v1.30.0',
      });
      const { operation } = await clusterAction(deps, owner, c.id, 'start');
      const done = await settle(operation);
      if (done.status !== 'succeeded') throw new Error(`cluster ${name} did not start: ${done.error}`);
      return getCluster(deps, owner, c.id);
    },
    async close() {
      await worker?.shutdown(500);
      await producer.close();
      await t.drop();
    },
  };
}
