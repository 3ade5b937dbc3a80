// Simulated delays. Every wait honours the operation's AbortSignal so a cancelled operation stops
// promptly instead of finishing a 5 s "cluster start" first.
import { DriverError } from '../types.ts';

export function cancelledError(signal: AbortSignal): DriverError {
  return new DriverError('cancelled', 'operation cancelled', { retryable: false, cause: signal.reason });
}

export function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) throw cancelledError(signal);
}

/** Waits `simulatedMs × timeScale` real ms; rejects with DriverError('cancelled') as soon as `signal` aborts. */
export function pause(simulatedMs: number, timeScale: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(cancelledError(signal));
  const ms = Math.max(0, simulatedMs * timeScale);
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(cancelledError(signal));
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
