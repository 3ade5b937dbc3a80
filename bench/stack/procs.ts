// Child processes of the bench: the production bundles of the API and the worker, and the bare
// stack's server and worker. Output goes to a log file each (LOG_LEVEL=info for Slipway: the request
// log is written, to a file, as in production). Optional `node --cpu-prof` per process, and
// allocation sampling over the inspector (heap-sampler.ts).
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { type HeapSampler, startHeapSampling } from './heap-sampler.ts';

/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ: 100 on Linux). */
const CLK_TCK = 100;

export type Proc = {
  name: string;
  child: ChildProcess;
  logFile: string;
  /** Resident set size now, in MB (VmRSS from /proc). */
  rssMb(): number;
  /** CPU time used so far (user + system, /proc/<pid>/stat), in ms; NaN once it has exited. */
  cpuMs(): number;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves when the process has exited. */
  stop(graceMs?: number): Promise<number | null>;
};

export type SpawnOptions = {
  name: string;
  script: string;
  env: Record<string, string>;
  logDir: string;
  /** Directory for `--cpu-prof` output, or null. */
  cpuProfDir?: string | null;
  /**
   * Directory for an allocation profile (`<name>.heapprofile`: every allocation sampled, collected
   * objects included, from start-up until stop()), or null. The process gets `--inspect=127.0.0.1:0`.
   */
  heapProfDir?: string | null;
  /** A command the node process runs under (e.g. valgrind and its options): `wrapper... node script`. */
  wrapper?: string[];
};

export function spawnNode(o: SpawnOptions): Proc {
  mkdirSync(o.logDir, { recursive: true });
  const logFile = join(o.logDir, `${o.name}.log`);
  const fd = openSync(logFile, 'a');
  const args: string[] = [];
  if (o.cpuProfDir) {
    mkdirSync(o.cpuProfDir, { recursive: true });
    args.push('--cpu-prof', `--cpu-prof-dir=${o.cpuProfDir}`, `--cpu-prof-name=${o.name}.cpuprofile`);
  }
  if (o.heapProfDir) {
    mkdirSync(o.heapProfDir, { recursive: true });
    args.push('--inspect=127.0.0.1:0');
  }
  // BENCH_NODE_ARGS: node/V8 flags NODE_OPTIONS refuses (--trace-opt, --trace-deopt, ...), diagnostics only.
  args.push(...(process.env.BENCH_NODE_ARGS ?? '').split(/\s+/).filter(Boolean), o.script);
  // Only what the process needs plus PATH/HOME: no inherited DATABASE_URL or the like.
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '/root',
    ...o.env,
  };
  const [command, ...prefix] = o.wrapper?.length ? [...o.wrapper, process.execPath] : [process.execPath];
  const child = spawn(command as string, [...prefix, ...args], {
    env,
    stdio: ['ignore', fd, fd],
    cwd: join(import.meta.dirname, '../..'),
  });
  closeSync(fd);
  let exited: Promise<number | null> = new Promise((ok) => child.once('exit', (code) => ok(code)));
  if (child.exitCode !== null) exited = Promise.resolve(child.exitCode);
  const heap: Promise<HeapSampler | null> = o.heapProfDir
    ? startHeapSampling(logFile, join(o.heapProfDir, `${o.name}.heapprofile`)).catch((e: unknown) => {
        process.stderr.write(`${o.name}: no allocation profile: ${(e as Error).message}\n`);
        return null;
      })
    : Promise.resolve(null);
  return {
    name: o.name,
    child,
    logFile,
    rssMb() {
      try {
        const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
        return m ? Number(m[1]) / 1024 : Number.NaN;
      } catch {
        return Number.NaN;
      }
    },
    cpuMs() {
      try {
        // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
        const stat = readFileSync(`/proc/${child.pid}/stat`, 'utf8');
        const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        return ((Number(f[11]) + Number(f[12])) * 1000) / CLK_TCK;
      } catch {
        return Number.NaN;
      }
    },
    async stop(graceMs = 10_000) {
      if (child.exitCode === null && child.signalCode === null) {
        await (await heap)?.stop().catch((e: unknown) => {
          process.stderr.write(`${o.name}: allocation profile not written: ${(e as Error).message}\n`);
        });
        child.kill('SIGTERM');
        const t = setTimeout(() => child.kill('SIGKILL'), graceMs);
        const code = await exited;
        clearTimeout(t);
        return code;
      }
      return child.exitCode;
    },
  };
}

/** The last lines of a process's log, for an error message. */
export function tail(file: string, lines = 15): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

export function fileSize(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

/** Polls `url` until it answers 2xx, the process exits, or `timeoutMs` passes. */
export async function waitHttp(p: Proc, url: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (p.child.exitCode !== null)
      throw new Error(`${p.name} exited (${p.child.exitCode}):\n${tail(p.logFile)}`);
    try {
      const r = await fetch(url);
      await r.body?.cancel();
      if (r.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline)
      throw new Error(`${p.name} not ready at ${url} after ${timeoutMs} ms:\n${tail(p.logFile)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Polls the process's log until a line contains `text`. */
export async function waitLog(p: Proc, text: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (p.child.exitCode !== null)
      throw new Error(`${p.name} exited (${p.child.exitCode}):\n${tail(p.logFile)}`);
    try {
      if (readFileSync(p.logFile, 'utf8').includes(text)) return;
    } catch {
      // not yet written
    }
    if (Date.now() > deadline)
      throw new Error(`${p.name}: no "${text}" after ${timeoutMs} ms:\n${tail(p.logFile)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
