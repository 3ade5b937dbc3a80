// Failure injection by name: the words below, found anywhere in a name/image, make the sandbox fail the
// way the real system would. Kept in one file so README.md's table and the code cannot drift far apart.
import { DriverError, type OpContext } from '../types.ts';

/** How a deployment's pods behave, decided by words in its image reference. */
export type WorkloadBehavior = 'healthy' | 'hungry' | 'crash' | 'missing-env' | 'image-pull' | 'slow';

/**
 * Precedence follows what Kubernetes hits first: an image that cannot be pulled never gets to read its
 * config, a container that cannot be configured never gets to crash, and so on.
 */
export function workloadBehavior(image: string): WorkloadBehavior {
  const s = image.toLowerCase();
  if (s.includes('nonexistent') || s.includes('pull-fail')) return 'image-pull';
  if (s.includes('missing-env')) return 'missing-env';
  if (s.includes('crash')) return 'crash';
  if (s.includes('slow')) return 'slow';
  if (s.includes('hungry')) return 'hungry';
  return 'healthy';
}

/** Words that, in a service's deploymentName, mean the selected pods never become ready endpoints. */
export const UNHEALTHY_DEPLOYMENT_WORDS = [
  'crash',
  'missing-env',
  'nonexistent',
  'pull-fail',
  'slow',
] as const;

export function deploymentNameLooksUnhealthy(name: string): boolean {
  const s = name.toLowerCase();
  return UNHEALTHY_DEPLOYMENT_WORDS.some((w) => s.includes(w));
}

export function has(word: string, ...values: (string | null | undefined)[]): boolean {
  return values.some((v) => v?.toLowerCase().includes(word) ?? false);
}

/**
 * `transient` anywhere in the name: the first attempt of the call fails with a retryable timeout.
 * Mutating calls throw it AFTER the effect was applied (the response was lost, not the request), which is
 * the case that makes retries dangerous and the ledger's idempotency worth having.
 */
export function transientTimeout(name: string, ctx: OpContext, what: string): DriverError | null {
  if (ctx.attempt !== 1 || !has('transient', name)) return null;
  return new DriverError(
    'timeout',
    `${what}: context deadline exceeded (Client.Timeout exceeded while awaiting headers)`,
    { retryable: true },
  );
}
