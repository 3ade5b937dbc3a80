// Real API and worker processes for the fault suite: `node apps/api/src/main.ts` and
// `node apps/worker/src/main.ts` as children with their own env, which a case may kill -9, SIGTERM,
// SIGSTOP/SIGCONT and restart. Their output is kept in memory so a case can wait for a log line.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { waitUntil } from './ports.ts';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');
export const API_MAIN = 'apps/api/src/main.ts';
export const WORKER_MAIN = 'apps/worker/src/main.ts';

/** Node 22 of the repo (type stripping); the PATH one may be older. */
function nodeBin(): string {
  const local = join(repoRoot, 'node_modules/.bin/node');
  return existsSync(local) ? local : process.execPath;
}

/** Variables of the test runner a child must not inherit (its own config comes from `env`). */
const SCRUB = /^(DATABASE_URL|REDIS_URL|TEST_DATABASE_URL|TEST_REDIS_URL|NODE_OPTIONS|VITEST.*|OTEL_.*)$/;

export type Exit = { code: number | null; signal: NodeJS.Signals | null };

export class ManagedProcess {
  readonly name: string;
  readonly script: string;
  env: Record<string, string>;
  private child: ChildProcess | null = null;
  private lines: string[] = [];
  private exitP: Promise<Exit> = Promise.resolve({ code: null, signal: null });
  /** Exits seen so far (crashes, kills, clean stops), oldest first. */
  readonly exits: Exit[] = [];
  starts = 0;
  /** True between start() and its ready line. */
  starting = false;

  constructor(name: string, script: string, env: Record<string, string>) {
    this.name = name;
    this.script = script;
    this.env = env;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get alive(): boolean {
    return this.child !== null && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Everything the process printed (all incarnations), one entry per line. */
  get output(): readonly string[] {
    return this.lines;
  }

  /** Spawns the process; resolves once `readyLine` (if given) was printed. */
  async start(readyLine?: RegExp, timeoutMs = 30_000): Promise<void> {
    if (this.alive) throw new Error(`${this.name} is already running`);
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !SCRUB.test(k)) env[k] = v;
    const from = this.lines.length;
    const child = spawn(nodeBin(), [this.script], {
      cwd: repoRoot,
      // The compile cache halves a cold start (~5 s -> ~2 s on 2 cores); each case restarts many processes.
      env: { NODE_COMPILE_CACHE: join(tmpdir(), 'slipway-faults-node-cache'), ...env, ...this.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    this.starts++;
    const collect = (buf: Buffer) => {
      for (const l of buf.toString('utf8').split('\n')) if (l.trim()) this.lines.push(l);
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    this.exitP = new Promise<Exit>((ok) => {
      child.once('exit', (code, signal) => {
        const e = { code, signal };
        this.exits.push(e);
        ok(e);
      });
    });
    liveChildren.add(child);
    child.once('exit', () => liveChildren.delete(child));
    if (readyLine) {
      this.starting = true;
      await waitUntil(
        `${this.name} to print ${readyLine}`,
        () => {
          if (!this.alive) throw new Error(`${this.name} exited: ${this.lines.slice(-5).join(' | ')}`);
          return this.lines.slice(from).some((l) => readyLine.test(l));
        },
        timeoutMs,
      ).finally(() => {
        this.starting = false;
      });
    }
  }

  signal(sig: NodeJS.Signals): void {
    if (this.alive) this.child?.kill(sig);
  }

  /** Resolves with the exit of the current incarnation. */
  exited(): Promise<Exit> {
    return this.exitP;
  }

  async kill9(): Promise<Exit> {
    this.signal('SIGKILL');
    return this.exitP;
  }

  /** SIGTERM and wait for the exit (SIGKILL after `timeoutMs`, reported as such). */
  async terminate(timeoutMs = 30_000): Promise<Exit> {
    this.signal('SIGTERM');
    const timer = setTimeout(() => this.signal('SIGKILL'), timeoutMs);
    try {
      return await this.exitP;
    } finally {
      clearTimeout(timer);
    }
  }

  pause(): void {
    this.signal('SIGSTOP');
  }

  resume(): void {
    this.signal('SIGCONT');
  }

  /** Waits for a line matching `re` printed after line index `from` (default: any time). */
  async waitForLine(re: RegExp, timeoutMs = 30_000, from = 0): Promise<string> {
    return waitUntil(
      `${this.name} to print ${re}`,
      () => this.lines.slice(from).find((l) => re.test(l)),
      timeoutMs,
    );
  }

  /** Lines matching `re` (JSON log lines are matched as text). */
  grep(re: RegExp): string[] {
    return this.lines.filter((l) => re.test(l));
  }
}

const liveChildren = new Set<ChildProcess>();
// A failing case must not leave API or worker processes behind.
process.once('exit', () => {
  for (const c of liveChildren) c.kill('SIGKILL');
});

/** The API and worker processes of one case. */
export class ProcessCluster {
  readonly processes: ManagedProcess[] = [];

  /** An API process (`node apps/api/src/main.ts`) with `env` (DATABASE_URL, REDIS_URL, PORT, ...). */
  api(name: string, env: Record<string, string>): ManagedProcess {
    const p = new ManagedProcess(name, API_MAIN, env);
    this.processes.push(p);
    return p;
  }

  /** A worker process (`node apps/worker/src/main.ts`); WORKER_ID defaults to `name`. */
  worker(name: string, env: Record<string, string>): ManagedProcess {
    const p = new ManagedProcess(name, WORKER_MAIN, { WORKER_ID: name, ...env });
    this.processes.push(p);
    return p;
  }

  /**
   * Restarts any of `procs` that exits, as systemd or Kubernetes would, until the returned function
   * is called (it resolves once a restart in progress has finished).
   */
  supervise(procs: ManagedProcess[], readyLine: RegExp): () => Promise<void> {
    let on = true;
    const loop = (async () => {
      while (on) {
        for (const p of procs) if (on && !p.alive && !p.starting) await p.start(readyLine).catch(() => {});
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    return async () => {
      on = false;
      await loop;
    };
  }

  /** SIGCONT (in case a case left one stopped), then SIGKILL everything still alive. */
  async killAll(): Promise<void> {
    for (const p of this.processes) p.resume();
    await Promise.all(this.processes.filter((p) => p.alive).map((p) => p.kill9()));
  }
}

/** Ready lines printed by the real processes (pino JSON `msg`). */
export const READY = { api: /"msg":"api listening"/, worker: /"msg":"worker started"/ };
