// Simulated delays. Every wait honours the operation's AbortSignal so a cancelled operation stops
// promptly instead of finishing a 5 s "cluster start" first.
import { DriverError } from '../types.ts';

export function cancelledError(signal: AbortSignal): DriverError {
  return new DriverError('cancelled', 'operation cancelled', { retryable: false, cause: signal.reason });
}

export function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) throw cancelledError(signal);
}

/**
 * Waits `simulatedMs × timeScale` real ms; rejects with DriverError('cancelled') as soon as `signal`
 * aborts. A wait under 1 ms ends on the event loop's next turn: Node's timers cannot be shorter than
 * 1 ms, so a build of ten 0.03 ms steps (timeScale 0.0001) would otherwise take 10 ms, not 0.3.
 */
export function pause(simulatedMs: number, timeScale: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(cancelledError(signal));
  const ms = Math.max(0, simulatedMs * timeScale);
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      cancel();
      reject(cancelledError(signal));
    };
    const done = (): void => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    };
    let cancel: () => void;
    if (ms < 1) {
      const immediate = setImmediate(done);
      cancel = () => clearImmediate(immediate);
    } else {
      const timer = setTimeout(done, ms);
      cancel = () => clearTimeout(timer);
    }
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
