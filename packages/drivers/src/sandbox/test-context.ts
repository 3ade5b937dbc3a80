// Test helper (not exported from the barrel): an OpContext that records what the driver logged.
import type { OpContext } from '../types.ts';

export type RecordingContext = OpContext & {
  lines: string[];
  percents: number[];
  controller: AbortController;
};

export function recordingContext(
  overrides: Partial<Pick<OpContext, 'operationId' | 'attempt'>> = {},
): RecordingContext {
  const controller = new AbortController();
  const lines: string[] = [];
  const percents: number[] = [];
  return {
    operationId: overrides.operationId ?? 'op-1',
    attempt: overrides.attempt ?? 1,
    signal: controller.signal,
    log: (m) => lines.push(m),
    progress: (p) => percents.push(p),
    lines,
    percents,
    controller,
  };
}

/** Resolves to the rejection of `p` (fails the test if `p` resolves). */
export async function rejectionOf(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('expected the promise to reject');
}
