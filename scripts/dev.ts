// `npm run dev`: the whole system on a fresh clone. Uses DATABASE_URL / REDIS_URL when set, else an
// embedded Postgres and a redis-server from PATH (data under .data/, git-ignored); migrates; starts
// the API and two workers; prints the URL and the admin credentials. Ctrl-C stops everything.
// The web console is built into apps/console/dist first and rebuilt on change (Vite's build
// watcher, no dev server): the API serves it at `/`.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import postgres from 'postgres';
import { build as viteBuild } from 'vite';
import { migrate } from '../packages/db/src/index.ts';
import {
  dataRoot,
  repoRoot,
  type Stoppable,
  startEmbeddedPostgres,
  startRedisServer,
  waitForPort,
} from './infra.ts';

const stops: Stoppable[] = [];
const children: ChildProcess[] = [];

function withDatabase(url: string, db: string): string {
  const u = new URL(url);
  u.pathname = `/${db}`;
  return u.toString();
}

/** Dev secrets and admin password: generated once, kept in .data/dev.json so restarts keep them. */
function devSecrets(): { jwtSecret: string; adminPassword: string } {
  mkdirSync(dataRoot, { recursive: true });
  const file = join(dataRoot, 'dev.json');
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8'));
  const s = {
    jwtSecret: randomBytes(32).toString('hex'),
    adminPassword: randomBytes(9).toString('base64url'),
  };
  writeFileSync(file, JSON.stringify(s, null, 2), { mode: 0o600 });
  return s;
}

async function main() {
  let databaseUrl = process.env.DATABASE_URL;
  if (!databaseUrl) {
    const pg = await startEmbeddedPostgres('dev-pg', Number(process.env.DEV_PG_PORT ?? 54320));
    stops.push(pg);
    const admin = postgres(pg.url, { max: 1, onnotice: () => {} });
    const [exists] = await admin`select 1 as x from pg_database where datname = 'slipway'`;
    if (!exists) await admin.unsafe('create database slipway');
    await admin.end();
    databaseUrl = withDatabase(pg.url, 'slipway');
    console.log(`postgres: embedded at ${databaseUrl} (data in .data/dev-pg)`);
  }
  let redisUrl = process.env.REDIS_URL;
  if (!redisUrl) {
    const r = await startRedisServer('dev-redis', Number(process.env.DEV_REDIS_PORT ?? 63791));
    stops.push(r);
    redisUrl = r.url;
    console.log(`redis: redis-server at ${redisUrl} (AOF on, noeviction; data in .data/dev-redis)`);
  }
  await migrate(databaseUrl);
  console.log('migrations applied');

  await watchConsole();

  const secrets = devSecrets();
  const port = Number(process.env.PORT ?? 3000);
  const env = {
    ...process.env,
    DATABASE_URL: databaseUrl,
    REDIS_URL: redisUrl,
    PORT: String(port),
    JWT_SECRET: process.env.JWT_SECRET ?? secrets.jwtSecret,
    ADMIN_EMAIL: process.env.ADMIN_EMAIL ?? 'admin@slipway.local',
    ADMIN_PASSWORD: process.env.ADMIN_PASSWORD ?? secrets.adminPassword,
    DRIVER: process.env.DRIVER ?? 'sandbox',
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'info',
  };
  const start = (name: string, entry: string, extra: Record<string, string> = {}) => {
    const child = spawn(process.execPath, ['--experimental-async-context-frame', join(repoRoot, entry)], {
      env: { ...env, ...extra },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const prefix = (line: string) => `[${name}] ${line}`;
    for (const stream of [child.stdout, child.stderr]) {
      let buf = '';
      stream?.on('data', (d: Buffer) => {
        buf += d.toString();
        const lines = buf.split('\n');
        buf = lines.pop() ?? '';
        for (const l of lines) if (l.trim()) console.log(prefix(l));
      });
    }
    child.on('exit', (code, signal) => {
      if (!shuttingDown) console.log(prefix(`exited (${code ?? signal})`));
    });
    children.push(child);
  };
  start('api', 'apps/api/src/main.ts');
  // Each worker serves its own /metrics (WORKER_METRICS_PORT): two on one host need two ports.
  start('worker-1', 'apps/worker/src/main.ts', { WORKER_ID: 'worker-1', WORKER_METRICS_PORT: '9465' });
  start('worker-2', 'apps/worker/src/main.ts', { WORKER_ID: 'worker-2', WORKER_METRICS_PORT: '9466' });
  await waitForPort(port, '127.0.0.1', 60_000);
  console.log(
    [
      '',
      `Slipway is up: http://localhost:${port}  (the console at /, the API under /api; 2 workers, DRIVER=${env.DRIVER})`,
      `  admin: ${env.ADMIN_EMAIL} / ${env.ADMIN_PASSWORD}`,
      `  token: curl -s -X POST http://localhost:${port}/api/auth/login -H 'Content-Type: application/json' \\`,
      `           -d '{"email":"${env.ADMIN_EMAIL}","password":"${env.ADMIN_PASSWORD}"}'`,
      '  Ctrl-C stops everything.',
      '',
    ].join('\n'),
  );
}

/** Builds the console once, then rebuilds it when its sources change; resolves after the first build. */
async function watchConsole(): Promise<void> {
  const watcher = await viteBuild({
    configFile: join(repoRoot, 'apps', 'console', 'vite.config.ts'),
    build: { watch: {} },
  });
  if (!('on' in watcher)) return;
  stops.push({ url: 'apps/console/dist', stop: () => watcher.close() });
  await new Promise<void>((ok, fail) => {
    let first = true;
    watcher.on('event', (e) => {
      if (e.code === 'END') {
        if (first) console.log('console: built apps/console/dist (rebuilt on change)');
        else console.log('console: rebuilt');
        first = false;
        ok();
      } else if (e.code === 'ERROR') {
        console.log(`console: build failed: ${e.error.message}`);
        if (first) fail(e.error);
      }
    });
  });
}

let shuttingDown = false;
async function shutdown(code: number) {
  if (shuttingDown) return;
  shuttingDown = true;
  await Promise.all(
    children.map(
      (c) =>
        new Promise<void>((ok) => {
          if (c.exitCode !== null || c.signalCode !== null) return ok();
          c.once('exit', () => ok());
          c.kill('SIGTERM');
          setTimeout(() => c.kill('SIGKILL'), 15_000).unref();
        }),
    ),
  );
  for (const s of stops.reverse()) await s.stop().catch(() => {});
  process.exit(code);
}
process.on('SIGINT', () => void shutdown(0));
process.on('SIGTERM', () => void shutdown(0));
main().catch(async (e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  await shutdown(1);
});
