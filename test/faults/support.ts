// One fault case's world: a private Postgres and Redis it may kill, a ledger file, a queue prefix,
// core deps for driving operations from the test process, and a cluster of real API/worker processes.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Actor, type CoreDeps, silentLogger } from '@slipway/core';
import { createDb, type DbHandle } from '@slipway/db';
import { createProducer, type Producer } from '@slipway/jobs';
import {
  checkInvariants,
  type FaultPostgres,
  type FaultRedis,
  FaultTally,
  freePort,
  type InvariantReport,
  insertUser,
  type ManagedProcess,
  ProcessCluster,
  READY,
  startFaultPostgres,
  startFaultRedis,
} from '@slipway/testing';

/** The suite's running total; the last case prints its line. */
export const tally = new FaultTally();

/** Fast enough for a 2-core CI box, slow enough that kills land mid-job (a build is ~150 ms + push ~50 ms). */
export const BASE_WORKER_ENV = {
  DRIVER: 'sandbox',
  SANDBOX_TIME_SCALE: '0.05',
  LEASE_MS: '1500',
  RECONCILE_INTERVAL_MS: '300',
  STALLED_INTERVAL_MS: '1000',
  MAX_OPERATION_ATTEMPTS: '8',
  MAX_STARTED_ATTEMPTS: '8',
  WORKER_CONCURRENCY: '4',
  WORKER_SHUTDOWN_GRACE_MS: '2000',
  ROLLOUT_TIMEOUT_MS: '30000',
  SERVICE_TIMEOUT_MS: '30000',
  LOG_LEVEL: 'info',
  // No /metrics server: several workers of a case would otherwise all try port 9464.
  WORKER_METRICS_PORT: '0',
};

const ADMIN_PASSWORD = 'fault-suite-password';

export type Api = {
  proc: ManagedProcess;
  base: string;
  token: string;
  /** fetch with the admin token and JSON; never throws on HTTP errors. */
  call(
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<{ status: number; body: Record<string, unknown>; headers: Headers }>;
};

export type FaultCase = {
  name: string;
  pg: FaultPostgres;
  redis: FaultRedis;
  prefix: string;
  ledger: string;
  db: DbHandle;
  producer: Producer;
  deps: CoreDeps;
  /** Deps with no producer: a commit whose enqueue never happened (the API died in between). */
  depsNoEnqueue: CoreDeps;
  owner: Actor;
  cluster: ProcessCluster;
  workerEnv(extra?: Record<string, string>): Record<string, string>;
  startWorker(name: string, extra?: Record<string, string>): Promise<ManagedProcess>;
  startApi(extra?: Record<string, string>): Promise<Api>;
  /** Checks the invariants, prints them, adds them to the tally. */
  check(expectedIds?: Iterable<string>): Promise<InvariantReport>;
  close(): Promise<void>;
};

export async function startCase(name: string): Promise<FaultCase> {
  const pg = await startFaultPostgres(name);
  const redis = await startFaultRedis(name).catch(async (e: unknown) => {
    await pg.destroy();
    throw e;
  });
  const dir = mkdtempSync(join(tmpdir(), `slipway-faults-${name}-files-`));
  const ledger = join(dir, 'effects.jsonl');
  const prefix = `f${randomBytes(4).toString('hex')}`;
  const db = createDb({ url: pg.url, max: 10 });
  const producer = createProducer({ redisUrl: redis.url, prefix });
  await producer.ready(10_000);
  const driver = { images: 'sandbox', clusters: 'sandbox', workloads: 'sandbox', charts: 'sandbox' };
  const deps: CoreDeps = { db: db.db, producer, driver, log: silentLogger };
  const depsNoEnqueue: CoreDeps = { db: db.db, driver, log: silentLogger };
  const u = await insertUser(db.db, 'operator');
  const cluster = new ProcessCluster();
  const workerEnv = (extra: Record<string, string> = {}) => ({
    ...BASE_WORKER_ENV,
    DATABASE_URL: pg.url,
    REDIS_URL: redis.url,
    QUEUE_PREFIX: prefix,
    SANDBOX_LEDGER: ledger,
    ...extra,
  });
  const c: FaultCase = {
    name,
    pg,
    redis,
    prefix,
    ledger,
    db,
    producer,
    deps,
    depsNoEnqueue,
    owner: { id: u.id, role: 'operator' },
    cluster,
    workerEnv,
    async startWorker(wname, extra = {}) {
      const w = cluster.worker(wname, workerEnv(extra));
      await w.start(READY.worker);
      return w;
    },
    async startApi(extra = {}) {
      const port = await freePort();
      const adminEmail = `admin-${prefix}@faults.local`;
      const proc = cluster.api(`api-${name}`, {
        DATABASE_URL: pg.url,
        REDIS_URL: redis.url,
        PORT: String(port),
        JWT_SECRET: randomBytes(32).toString('hex'),
        ADMIN_EMAIL: adminEmail,
        ADMIN_PASSWORD,
        QUEUE_PREFIX: prefix,
        DRIVER: 'sandbox',
        LOG_LEVEL: 'info',
        API_SHUTDOWN_GRACE_MS: '2000',
        ...extra,
      });
      await proc.start(READY.api);
      const base = `http://127.0.0.1:${port}`;
      const call: Api['call'] = async (method, path, body, headers = {}) => {
        const res = await fetch(base + path, {
          method,
          headers: {
            ...(api.token ? { Authorization: `Bearer ${api.token}` } : {}),
            ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}),
            ...headers,
          },
          body: body === undefined ? undefined : JSON.stringify(body),
          signal: AbortSignal.timeout(15_000),
        });
        const text = await res.text();
        let parsed: Record<string, unknown> = {};
        try {
          parsed = text ? (JSON.parse(text) as Record<string, unknown>) : {};
        } catch {
          parsed = { raw: text };
        }
        return { status: res.status, body: parsed, headers: res.headers };
      };
      const api: Api = { proc, base, token: '', call };
      const login = await call('POST', '/api/auth/login', { email: adminEmail, password: ADMIN_PASSWORD });
      if (login.status !== 200)
        throw new Error(`login failed: ${login.status} ${JSON.stringify(login.body)}`);
      api.token = String(login.body.access_token);
      return api;
    },
    async check(expectedIds) {
      const r = await checkInvariants({ databaseUrl: pg.url, ledgerPath: ledger, expectedIds });
      tally.add(r);
      console.log(
        `[${name}] accepted=${r.accepted} terminal=${r.terminal} lost=${r.lost} duplicated_effects=${r.duplicatedEffects} regressions=${r.regressions} statuses=${JSON.stringify(r.byStatus)}`,
      );
      for (const p of r.problems.slice(0, 20)) console.log(`[${name}]   ${p}`);
      return r;
    },
    async close() {
      await cluster.killAll();
      await producer.close().catch(() => {});
      await db.close().catch(() => {});
      await Promise.all([pg.destroy(), redis.destroy()]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return c;
}

/** Logs what a case checked, one line each. */
export function checked(caseName: string, what: string): void {
  console.log(`[${caseName}] checked: ${what}`);
}
