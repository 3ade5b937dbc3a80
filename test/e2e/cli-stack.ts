// A real stack for the CLI and README tests: one API process and one worker process from the
// repository (sandbox driver, fast time scale), a private database and queue prefix.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { createTestDatabase, type TestDatabase, testPrefix, testRedisUrl } from '@slipway/testing';

export const root = join(import.meta.dirname, '..', '..');

export type Stack = {
  base: string;
  admin: { email: string; password: string };
  output: string[];
  /** SIGTERM every process; resolves with their exit codes. */
  stop(): Promise<(number | null)[]>;
};

function freePort(): Promise<number> {
  return new Promise((ok) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => ok(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

export async function startStack(opts: { port?: number; env?: Record<string, string> } = {}): Promise<Stack> {
  const t: TestDatabase = await createTestDatabase();
  const port = opts.port ?? (await freePort());
  const base = `http://127.0.0.1:${port}`;
  const admin = { email: 'admin@slipway.local', password: `pw-${randomBytes(6).toString('hex')}` };
  const env = {
    ...process.env,
    DATABASE_URL: t.url,
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
  const procs: ChildProcess[] = [];
  const output: string[] = [];
  const start = (name: string, entry: string, extra: Record<string, string> = {}) => {
    const p = spawn(process.execPath, [join(root, entry)], {
      env: { ...env, ...extra },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    for (const s of [p.stdout, p.stderr])
      s?.on('data', (d: Buffer) => output.push(`[${name}] ${d.toString().trim()}`));
    procs.push(p);
  };
  start('api', 'apps/api/src/main.ts');
  start('worker', 'apps/worker/src/main.ts', { WORKER_ID: `cli-${port}` });
  const deadline = Date.now() + 45_000;
  for (;;) {
    const ok = await fetch(`${base}/readyz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (Date.now() > deadline) throw new Error(`API never became ready:\n${output.join('\n')}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    base,
    admin,
    output,
    async stop() {
      const codes = await Promise.all(
        procs.map(
          (p) =>
            new Promise<number | null>((ok) => {
              if (p.exitCode !== null) return ok(p.exitCode);
              p.once('exit', (code) => ok(code));
              p.kill('SIGTERM');
              setTimeout(() => p.kill('SIGKILL'), 15_000).unref();
            }),
        ),
      );
      await t.drop();
      return codes;
    },
  };
}

export type Run = { code: number | null; stdout: string; stderr: string };

/** Runs a command to completion (stdin given as a string). */
export function runProcess(
  cmd: string,
  args: string[],
  o: { env?: NodeJS.ProcessEnv; input?: string; cwd?: string; timeoutMs?: number } = {},
): Promise<Run> {
  return new Promise((ok) => {
    const p = spawn(cmd, args, {
      env: o.env ?? process.env,
      cwd: o.cwd ?? root,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    p.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const timer = setTimeout(() => p.kill('SIGKILL'), o.timeoutMs ?? 120_000);
    p.on('close', (code) => {
      clearTimeout(timer);
      ok({ code, stdout, stderr });
    });
    p.stdin.end(o.input ?? '');
  });
}
