// Runs a CLI with an argv array (no shell), a timeout and the caller's abort signal, streaming each
// stdout/stderr line to the operation log as it arrives (minikube start takes minutes).
import { spawn } from 'node:child_process';
import { DriverError } from '../types.ts';

export type RunResult = { code: number; stdout: string; stderr: string };

export type RunOptions = {
  timeoutMs: number;
  signal?: AbortSignal;
  log?: (line: string) => void;
  env?: NodeJS.ProcessEnv;
};

/** Output kept per stream; minikube's is small, and a runaway child must not grow the worker's heap. */
const MAX_CAPTURE = 1024 * 1024;
/** Grace between SIGTERM and SIGKILL. */
const KILL_GRACE_MS = 3000;

export function runCommand(bin: string, args: string[], opts: RunOptions): Promise<RunResult> {
  const what = `${bin} ${args.join(' ')}`;
  return new Promise((resolve, reject) => {
    if (opts.signal?.aborted) {
      reject(new DriverError('aborted', `${what}: aborted before start`, { retryable: true }));
      return;
    }
    const child = spawn(bin, args, {
      shell: false,
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(opts.env ? { env: opts.env } : {}),
    });
    let stdout = '';
    let stderr = '';
    let ended: 'timeout' | 'aborted' | null = null;
    let killTimer: NodeJS.Timeout | undefined;
    const kill = (why: 'timeout' | 'aborted'): void => {
      if (ended) return;
      ended = why;
      child.kill('SIGTERM');
      killTimer = setTimeout(() => child.kill('SIGKILL'), KILL_GRACE_MS);
      killTimer.unref();
    };
    const timer = setTimeout(() => kill('timeout'), opts.timeoutMs);
    const onAbort = (): void => kill('aborted');
    opts.signal?.addEventListener('abort', onAbort, { once: true });

    const lines = (stream: 'stdout' | 'stderr') => {
      let partial = '';
      return (chunk: Buffer): void => {
        const text = chunk.toString('utf8');
        if (stream === 'stdout' && stdout.length < MAX_CAPTURE) stdout += text;
        if (stream === 'stderr' && stderr.length < MAX_CAPTURE) stderr += text;
        partial += text;
        const parts = partial.split('\n');
        partial = parts.pop() ?? '';
        for (const l of parts) if (l.trim()) opts.log?.(stream === 'stderr' ? `stderr: ${l}` : l);
      };
    };
    child.stdout.on('data', lines('stdout'));
    child.stderr.on('data', lines('stderr'));

    const cleanup = (): void => {
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
    };
    child.on('error', (e: NodeJS.ErrnoException) => {
      cleanup();
      if (e.code === 'ENOENT')
        reject(
          new DriverError('binary_not_found', `${bin} not found (is it installed and on PATH?)`, {
            cause: e,
          }),
        );
      else if (e.code === 'EACCES')
        reject(new DriverError('binary_not_executable', `${bin} is not executable`, { cause: e }));
      else reject(new DriverError('spawn_failed', `${what}: ${e.message}`, { retryable: true, cause: e }));
    });
    child.on('close', (code, signal) => {
      cleanup();
      if (killTimer) clearTimeout(killTimer);
      if (ended === 'timeout') {
        reject(
          new DriverError('timeout', `${what}: no result after ${opts.timeoutMs} ms (killed)`, {
            retryable: true,
          }),
        );
      } else if (ended === 'aborted') {
        reject(new DriverError('aborted', `${what}: aborted (killed)`, { retryable: true }));
      } else {
        resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr });
      }
    });
  });
}
