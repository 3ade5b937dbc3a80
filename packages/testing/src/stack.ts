// A real Slipway stack for end-to-end, CLI, README and browser tests: the API and any number of
// worker processes spawned from the repository's sources (sandbox driver unless told otherwise), a
// private database and queue prefix, ready when `/readyz` answers 200. One home for what the e2e
// suite, the CLI/README tests and the console's browser harness all need.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { createTestDatabase, type TestDatabase, testPrefix, testRedisUrl } from './database.ts';
import { API_MAIN, repoRoot, WORKER_MAIN } from './faults/cluster.ts';
import { freePort } from './faults/ports.ts';

export type StackOptions = {
  /** API port (default: a free one). */
  port?: number;
  /** Environment for every process, over the defaults below. */
  env?: Record<string, string>;
  /** One entry per worker process: its WORKER_ID (default one worker, `stack-worker-1`). */
  workers?: string[];
  admin?: { email: string; password: string };
  /** How long the API may take to answer /readyz. */
  readyTimeoutMs?: number;
};

export type Stack = {
  base: string;
  db: TestDatabase;
  admin: { email: string; password: string };
  /** Every line the processes printed, prefixed by `[api]` / `[<worker id>]`. */
  output: string[];
  /** Stops the API and starts it again with `env` changes (e.g. a new JWT_SECRET). */
  restartApi(env?: Record<string, string>): Promise<void>;
  /** SIGTERM every process (SIGKILL after 15 s), drops the database; resolves with the exit codes, API first. */
  stop(): Promise<(number | null)[]>;
};

function exitOf(p: ChildProcess): Promise<number | null> {
  return new Promise((ok) => {
    if (p.exitCode !== null || p.signalCode !== null) return ok(p.exitCode);
    p.once('exit', (code) => ok(code));
    p.kill('SIGTERM');
    setTimeout(() => p.kill('SIGKILL'), 15_000).unref();
  });
}

export async function startStack(opts: StackOptions = {}): Promise<Stack> {
  const db = await createTestDatabase();
  const port = opts.port ?? (await freePort());
  const base = `http://127.0.0.1:${port}`;
  const admin = opts.admin ?? {
    email: 'admin@slipway.local',
    password: `pw-${randomBytes(6).toString('hex')}`,
  };
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    DATABASE_URL: db.url,
    REDIS_URL: testRedisUrl(),
    QUEUE_PREFIX: testPrefix(),
    PORT: String(port),
    JWT_SECRET: randomBytes(32).toString('hex'),
    ADMIN_EMAIL: admin.email,
    ADMIN_PASSWORD: admin.password,
    DRIVER: 'sandbox',
    LOG_LEVEL: 'warn',
    SANDBOX_TIME_SCALE: '0.02',
    AI_SYNC_TIMEOUT_MS: '20000',
    RECONCILE_INTERVAL_MS: '500',
    ...opts.env,
  };
  const output: string[] = [];
  const spawnOne = (name: string, entry: string, extra: Record<string, string> = {}) => {
    const p = spawn(process.execPath, [join(repoRoot, entry)], {
      env: { ...env, ...extra },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    for (const s of [p.stdout, p.stderr])
      s?.on('data', (d: Buffer) => output.push(`[${name}] ${d.toString().trim()}`));
    return p;
  };
  const ready = async () => {
    const deadline = Date.now() + (opts.readyTimeoutMs ?? 45_000);
    for (;;) {
      const ok = await fetch(`${base}/readyz`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) return;
      if (Date.now() > deadline) throw new Error(`API never became ready:\n${output.join('\n')}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  };

  let api = spawnOne('api', API_MAIN);
  // Each worker serves /metrics on a free port of its own: parallel stacks never clash on 9464.
  const workers: ChildProcess[] = [];
  for (const id of opts.workers ?? ['stack-worker-1']) {
    const metricsPort = opts.env?.WORKER_METRICS_PORT ?? String(await freePort());
    workers.push(spawnOne(id, WORKER_MAIN, { WORKER_ID: id, WORKER_METRICS_PORT: metricsPort }));
  }
  try {
    await ready();
  } catch (e) {
    await Promise.all([api, ...workers].map(exitOf));
    await db.drop();
    throw e;
  }
  return {
    base,
    db,
    admin,
    output,
    async restartApi(extra = {}) {
      await exitOf(api);
      Object.assign(env, extra);
      api = spawnOne('api', API_MAIN);
      await ready();
    },
    async stop() {
      const codes = await Promise.all([api, ...workers].map(exitOf));
      await db.drop();
      return codes;
    },
  };
}
