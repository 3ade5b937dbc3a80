// Failure injection by name: the words below, found anywhere in a name/image, make the sandbox fail the
// way the real system would. Kept in one file so README.md's table and the code cannot drift far apart.
import { DriverError, type OpContext } from '../types.ts';

/** How a deployment's pods behave, decided by words in its image reference. */
export type WorkloadBehavior =
  | 'healthy'
  | 'hungry'
  | 'crash'
  | 'missing-env'
  | 'image-pull'
  | 'slow'
  | 'tag-missing'
  | 'missing-configmap'
  | 'quota'
  | 'tainted'
  | 'insufficient-cpu'
  | 'pvc-pending'
  | 'node-down'
  | 'mem-pressure'
  | 'evicted'
  | 'init-fail'
  | 'run-error'
  | 'oom'
  | 'exit-msg'
  | 'conn-refused'
  | 'dns-fail'
  | 'perm-denied'
  | 'port-clash'
  | 'panic'
  | 'traceback'
  | 'warmup'
  | 'liveness';

/**
 * Word -> behaviour, in precedence order: what Kubernetes hits first wins. Admission (quota) before
 * scheduling, scheduling before the node, the node before pulling, pulling before configuring, configuring
 * before init containers, init before starting, starting before crashing, crashing before probes.
 */
export const BEHAVIOR_WORDS: readonly (readonly [string, WorkloadBehavior])[] = [
  ['quota', 'quota'],
  ['tainted', 'tainted'],
  ['cpu-hog', 'insufficient-cpu'],
  ['pvc-pending', 'pvc-pending'],
  ['node-down', 'node-down'],
  ['mem-pressure', 'mem-pressure'],
  ['evicted', 'evicted'],
  ['nonexistent', 'image-pull'],
  ['pull-fail', 'image-pull'],
  ['no-such-tag', 'tag-missing'],
  ['missing-configmap', 'missing-configmap'],
  ['missing-env', 'missing-env'],
  ['init-fail', 'init-fail'],
  ['run-error', 'run-error'],
  ['oom-kill', 'oom'],
  ['exit-msg', 'exit-msg'],
  ['conn-refused', 'conn-refused'],
  ['dns-fail', 'dns-fail'],
  ['perm-denied', 'perm-denied'],
  ['port-clash', 'port-clash'],
  ['panic', 'panic'],
  ['traceback', 'traceback'],
  ['crash', 'crash'],
  ['warmup', 'warmup'],
  ['liveness', 'liveness'],
  ['slow', 'slow'],
  ['hungry', 'hungry'],
];

export function workloadBehavior(image: string): WorkloadBehavior {
  const s = image.toLowerCase();
  for (const [word, behavior] of BEHAVIOR_WORDS) if (s.includes(word)) return behavior;
  return 'healthy';
}

/** Words that, in a service's deploymentName, mean the selected pods never become ready endpoints. */
export const UNHEALTHY_DEPLOYMENT_WORDS: readonly string[] = BEHAVIOR_WORDS.filter(
  ([, b]) => b !== 'hungry',
).map(([w]) => w);

export function deploymentNameLooksUnhealthy(name: string): boolean {
  const s = name.toLowerCase();
  return UNHEALTHY_DEPLOYMENT_WORDS.some((w) => s.includes(w));
}

/** A service whose name contains this gets a selector that matches no pod (a typo'd label). */
export const WRONG_SELECTOR_WORD = 'wrong-selector';

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
