// Runs the helm binary: array arguments, no shell, killed on abort or timeout, output captured and
// optionally streamed line by line.
import { spawn } from 'node:child_process';
import { DriverError } from '../types.ts';

export type HelmRun = { code: number; stdout: string; stderr: string };

/** Output kept per stream; helm template of a large chart is big, but not this big. */
const MAX_CAPTURE = 8 * 1024 * 1024;
/** After SIGTERM, helm gets this long to release its locks before SIGKILL. */
const KILL_GRACE_MS = 5_000;

export function runHelm(
  helmBin: string,
  args: readonly string[],
  opts: { signal: AbortSignal; timeoutMs: number; onLine?: (line: string) => void },
): Promise<HelmRun> {
  return new Promise<HelmRun>((resolve, reject) => {
    if (opts.signal.aborted) {
      reject(
        new DriverError('aborted', 'operation was cancelled', { retryable: true, cause: opts.signal.reason }),
      );
      return;
    }
    // NO_COLOR: helm 4 colours its output on a TTY-less pipe only when asked, but be explicit for parsers.
    const child = spawn(helmBin, args, {
      env: { ...process.env, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let stopped: DriverError | null = null;
    const partial = { out: '', err: '' };

    const feed = (which: 'out' | 'err', chunk: Buffer) => {
      const text = chunk.toString();
      if (which === 'out' && stdout.length < MAX_CAPTURE) stdout += text;
      if (which === 'err' && stderr.length < MAX_CAPTURE) stderr += text;
      if (!opts.onLine) return;
      const lines = (partial[which] + text).split(/\r?\n/);
      partial[which] = lines.pop() ?? '';
      for (const l of lines) if (l.trim()) opts.onLine(l);
    };
    child.stdout.on('data', (c: Buffer) => feed('out', c));
    child.stderr.on('data', (c: Buffer) => feed('err', c));

    let killTimer: NodeJS.Timeout | undefined;
    const stop = (reason: DriverError) => {
      if (stopped) return;
      stopped = reason;
      child.kill('SIGTERM');
      killTimer = setTimeout(() => child.kill('SIGKILL'), KILL_GRACE_MS);
    };
    const timer = setTimeout(
      () =>
        stop(
          new DriverError('timeout', `helm ${args[0] ?? ''} did not finish within ${opts.timeoutMs} ms`, {
            retryable: true,
          }),
        ),
      opts.timeoutMs,
    );
    const onAbort = () =>
      stop(
        new DriverError('aborted', 'operation was cancelled', { retryable: true, cause: opts.signal.reason }),
      );
    opts.signal.addEventListener('abort', onAbort, { once: true });

    const finish = () => {
      clearTimeout(timer);
      clearTimeout(killTimer);
      opts.signal.removeEventListener('abort', onAbort);
    };
    child.on('error', (err: NodeJS.ErrnoException) => {
      finish();
      if (err.code === 'ENOENT' || err.code === 'EACCES') {
        reject(
          new DriverError('helm_unavailable', `helm binary "${helmBin}" cannot be run (${err.code})`, {
            cause: err,
          }),
        );
      } else {
        reject(
          new DriverError('helm_failed', `helm could not start: ${err.message}`, {
            retryable: true,
            cause: err,
          }),
        );
      }
    });
    child.on('close', (code) => {
      finish();
      if (opts.onLine) {
        if (partial.out.trim()) opts.onLine(partial.out);
        if (partial.err.trim()) opts.onLine(partial.err);
      }
      if (stopped) reject(stopped);
      else resolve({ code: code ?? 1, stdout, stderr });
    });
  });
}
