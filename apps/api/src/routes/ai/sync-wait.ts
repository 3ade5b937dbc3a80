import { type CoreDeps, waitForOperation } from '@slipway/core';
import type { Operation } from '@slipway/db';
import type { Context } from 'hono';
import type { AppEnv } from '../../context.ts';
import { startedWork } from '../../respond.ts';

/**
 * The synchronous AI calls (debug, analyze): wait up to AI_SYNC_TIMEOUT_MS for the worker.
 * - succeeded: 200, the contract body built from operation.result (every extra field passes through);
 * - failed or cancelled: 200 with status "failed" and `error` (the request itself was fine; the
 *   analysis could not be done, e.g. cluster unreachable or agent error);
 * - still queued/running at the deadline: 202 with operation_id and Location, to poll.
 */
export async function answerWhenDone<B extends Record<string, unknown>>(
  c: Context<AppEnv>,
  core: CoreDeps,
  operation: Operation,
  timeoutMs: number,
  base: B,
  messages: { done: string; started: string; failed: string },
  shape: (result: Record<string, unknown>) => Record<string, unknown>,
) {
  const op = await waitForOperation(core, operation.id, timeoutMs);
  if (op.status === 'succeeded') {
    return startedWork(
      c,
      { message: messages.done, ...base, ...shape(op.result ?? {}), status: 'completed' as const },
      op,
      200,
    );
  }
  if (op.status === 'failed' || op.status === 'cancelled') {
    return startedWork(
      c,
      { message: messages.failed, ...base, status: 'failed' as const, error: op.error ?? op.status },
      op,
      200,
    );
  }
  return startedWork(c, { message: messages.started, ...base, status: 'in_progress' as const }, op, 202);
}
