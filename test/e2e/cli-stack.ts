// The CLI and README tests' stack (one API, one worker: @slipway/testing's startStack) and a
// process runner for the commands they type.
import { spawn } from 'node:child_process';
import { repoRoot, type Stack, type StackOptions, startStack as startTestStack } from '@slipway/testing';

export const root = repoRoot;
export type { Stack };

/** One API and one worker (sandbox, fast time scale) over a private database: @slipway/testing's stack. */
export function startStack(opts: StackOptions = {}): Promise<Stack> {
  return startTestStack({ workers: ['cli-worker'], ...opts });
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
