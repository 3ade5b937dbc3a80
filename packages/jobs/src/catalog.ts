import { z } from 'zod';

// The queue contract. One queue per resource family; a job carries only its operation id
// (payloads carry ids, never state or secrets), and jobId = operation id so a re-enqueue is a no-op.
export const queueNames = ['images', 'charts', 'clusters', 'deployments', 'services', 'ai'] as const;
export type QueueName = (typeof queueNames)[number];

export const OperationPayload = z.object({ operationId: z.uuid() }).loose();
export type OperationPayload = z.infer<typeof OperationPayload>;

type JobSpec = {
  queue: QueueName;
  /** Total BullMQ attempts (first try + retries) for retryable failures. */
  attempts: number;
  /** Base delay of exponential backoff with jitter, in ms. */
  backoffMs: number;
  /** Read-only kinds never wait for other operations on the same resource. */
  readOnly?: boolean;
};

export const jobCatalog = {
  'image.build': { queue: 'images', attempts: 4, backoffMs: 1000 },
  'image.retag': { queue: 'images', attempts: 4, backoffMs: 1000 },
  'image.delete': { queue: 'images', attempts: 5, backoffMs: 1000 },
  'chart.validate': { queue: 'charts', attempts: 3, backoffMs: 500 },
  'cluster.start': { queue: 'clusters', attempts: 3, backoffMs: 2000 },
  'cluster.stop': { queue: 'clusters', attempts: 3, backoffMs: 2000 },
  'cluster.restart': { queue: 'clusters', attempts: 3, backoffMs: 2000 },
  'cluster.delete': { queue: 'clusters', attempts: 5, backoffMs: 2000 },
  'deployment.apply': { queue: 'deployments', attempts: 4, backoffMs: 1000 },
  'deployment.scale': { queue: 'deployments', attempts: 4, backoffMs: 1000 },
  'deployment.delete': { queue: 'deployments', attempts: 5, backoffMs: 1000 },
  'service.apply': { queue: 'services', attempts: 4, backoffMs: 1000 },
  'service.delete': { queue: 'services', attempts: 5, backoffMs: 1000 },
  'ai.deploy': { queue: 'ai', attempts: 3, backoffMs: 1000 },
  'ai.scale': { queue: 'ai', attempts: 3, backoffMs: 1000 },
  'ai.debug': { queue: 'ai', attempts: 3, backoffMs: 500, readOnly: true },
  'ai.analyze': { queue: 'ai', attempts: 3, backoffMs: 500, readOnly: true },
} as const satisfies Record<string, JobSpec>;

export type JobName = keyof typeof jobCatalog;
export const jobNames = Object.keys(jobCatalog) as JobName[];

export function isJobName(s: string): s is JobName {
  return Object.hasOwn(jobCatalog, s);
}

export function jobSpec(name: JobName): JobSpec {
  return jobCatalog[name];
}

/** Exponential backoff with full jitter, bounded (attemptsMade counts finished attempts, >= 1). */
export function backoffDelay(
  name: JobName,
  attemptsMade: number,
  random: () => number = Math.random,
): number {
  const base = jobSpec(name).backoffMs;
  const cap = Math.min(base * 2 ** Math.max(0, attemptsMade - 1), 60_000);
  return Math.round(cap / 2 + (random() * cap) / 2);
}
