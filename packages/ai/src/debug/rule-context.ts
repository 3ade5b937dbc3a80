import type { ContainerStatus, PodSnapshot, WorkloadSnapshot } from '@slipway/drivers';
import type { Finding, SlipwayContext } from '../types.ts';

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
  /** What Slipway knows about the deployment (empty when the caller passed nothing). */
  context: SlipwayContext;
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
export const START_REASONS = ['RunContainerError', 'ContainerCannotRun', 'StartError'];

/** Evicted (or otherwise terminated by the node) pods: their containers' exit codes are not crashes. */
export function isEvicted(p: PodSnapshot): boolean {
  return p.reason === 'Evicted' || (p.phase === 'Failed' && p.reason !== undefined);
}

/** The container could not even be started (the runtime failed, not the process). */
export function failedToStart(c: ContainerStatus): boolean {
  return (
    START_REASONS.includes(c.reason ?? '') ||
    (c.state === 'waiting' && START_REASONS.includes(c.lastState?.reason ?? ''))
  );
}

export function isCrashing(c: ContainerStatus): boolean {
  if (failedToStart(c)) return false;
  if (c.state === 'waiting') return c.reason === 'CrashLoopBackOff';
  if (c.state === 'terminated')
    return c.reason === 'OOMKilled' || (c.exitCode !== undefined && c.exitCode !== 0);
  return false;
}

/** The condition of a pod, if reported. */
export function podCondition(p: PodSnapshot, type: string) {
  return p.conditions?.find((c) => c.type === type);
}
