import type { ContainerStatus, WorkloadSnapshot } from '@slipway/drivers';
import type { Finding } from '../types.ts';

export type Thresholds = {
  /** Restarts at or above this count are worth reporting even when the container is running now. */
  restartCount: number;
  /** Usage at or above this percentage of a limit is "near the limit" (also the analyze rule). */
  nearLimitPercent: number;
  /** Memory usage at or above this percentage of the limit is an error: the next spike is an OOM kill. */
  criticalMemoryPercent: number;
};

export const DEFAULT_THRESHOLDS: Thresholds = {
  restartCount: 5,
  nearLimitPercent: 80,
  criticalMemoryPercent: 95,
};

export type RuleContext = {
  snapshot: WorkloadSnapshot;
  /** Deployment name for messages. */
  name: string;
  thresholds: Thresholds;
};

export type Rule = (ctx: RuleContext) => Finding[];

/** Waiting reasons other rules explain; the pending rule leaves pods showing these to them. */
export const IMAGE_PULL_REASONS = [
  'ImagePullBackOff',
  'ErrImagePull',
  'InvalidImageName',
  'ErrImageNeverPull',
];
export const CONFIG_REASONS = ['CreateContainerConfigError', 'CreateContainerError'];

export function isCrashing(c: ContainerStatus): boolean {
  if (c.state === 'waiting') return c.reason === 'CrashLoopBackOff';
  if (c.state === 'terminated')
    return c.reason === 'OOMKilled' || (c.exitCode !== undefined && c.exitCode !== 0);
  return false;
}
