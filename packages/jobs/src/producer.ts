import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { type JobName, jobSpec, OperationPayload, type QueueName } from './catalog.ts';
import { producerConnection, redisReady, workerConnection } from './redis.ts';

export type ProducerOptions = {
  redisUrl: string;
  prefix: string;
  connection?: Redis;
  /** BullMQ telemetry (e.g. BullMQOtel): propagates the caller's trace into the job. */
  telemetry?: import('bullmq').Telemetry | undefined;
};

export type Producer = {
  /** Validates the payload, then adds the job with jobId = operationId (idempotent). */
  /**
   * `fresh`: the operation was just created, so no job can carry its id yet and the look-up for a
   * finished one (one Redis round trip) is skipped.
   */
  enqueue(name: JobName, operationId: string, opts?: { delayMs?: number; fresh?: boolean }): Promise<void>;
  /** True when Redis still holds a job for this operation in a state that will run it. */
  holds(name: JobName, operationId: string): Promise<boolean>;
  /** Removes a waiting/delayed job (cancellation); active jobs are left to their worker. */
  remove(name: JobName, operationId: string): Promise<void>;
  /** Resolves once Redis is connected (rejects after `timeoutMs`); queues are created only then. */
  ready(timeoutMs?: number): Promise<void>;
  /** A queue handle; call after `ready()` (BullMQ initialises a queue on its connection at once). */
  queue(name: QueueName): Queue;
  redis: Redis;
  /** Tells every worker at once that an operation was cancelled (they abort it if they run it). */
  publishCancel(operationId: string): Promise<void>;
  ping(): Promise<void>;
  close(): Promise<void>;
};

/** Pub/sub channel on which cancellations are announced to workers. */
export const cancelChannel = (prefix: string) => `${prefix}:slipway:cancel`;

/**
 * A subscription to cancellations (a dedicated connection, as Redis requires for SUBSCRIBE). Missed
 * messages are harmless: the worker's next lease renewal sees the cancel in Postgres anyway.
 */
export function subscribeCancels(
  redisUrl: string,
  prefix: string,
  onCancel: (operationId: string) => void,
): { close(): void } {
  const sub = workerConnection(redisUrl);
  sub.on('error', () => {});
  sub.on('message', (_channel: string, id: string) => onCancel(id));
  sub.subscribe(cancelChannel(prefix)).catch(() => {});
  return { close: () => sub.disconnect() };
}

/**
 * Holds this connection's socket writes until the end of the event-loop turn (cork, uncorked from
 * setImmediate), so the jobs enqueued by requests that got there in the same turn leave in one
 * write to Redis instead of one each (a socket write is ~25 µs of CPU on the bench machine). Only
 * the writes are joined: each command is still sent in order and answered on its own. A Redis
 * Cluster client has no single socket and is left as it is.
 */
function joinWritesThisTurn(redis: Redis): void {
  const stream = (redis as { stream?: { cork?: () => void; uncork?: () => void } }).stream;
  if (!stream?.cork || !stream.uncork || corked.has(stream)) return;
  corked.add(stream);
  stream.cork();
  setImmediate(() => {
    corked.delete(stream);
    stream.uncork?.();
  });
}
const corked = new WeakSet<object>();

export function createProducer(opts: ProducerOptions): Producer {
  const redis = opts.connection ?? producerConnection(opts.redisUrl);
  // Avoid an unhandled 'error' event crash while Redis is down; callers see rejected commands instead.
  redis.on('error', () => {});
  const queues = new Map<QueueName, Queue>();
  const queue = (name: QueueName) => {
    let q = queues.get(name);
    if (!q) {
      q = new Queue(name, {
        connection: redis,
        prefix: opts.prefix,
        skipWaitingForReady: true,
        ...(opts.telemetry ? { telemetry: opts.telemetry } : {}),
      });
      q.on('error', () => {});
      queues.set(name, q);
    }
    return q;
  };
  // BullMQ runs INFO on the connection when a Queue is constructed; with no offline queue that fails
  // unless the connection is up, and the Queue never recovers. So queues are made only once ready.
  const ready = (timeoutMs = 2000): Promise<void> => redisReady(redis, timeoutMs);
  const readyQueue = async (name: QueueName) => {
    await ready();
    return queue(name);
  };

  return {
    redis,
    ready,
    queue,
    async enqueue(name, operationId, o = {}) {
      const data = OperationPayload.parse({ operationId });
      const spec = jobSpec(name);
      const q = await readyQueue(spec.queue);
      // A finished job with the same id would make add() a silent no-op: clear it first so a
      // re-driven operation really runs again. Active or waiting jobs are kept (dedupe).
      const existing = o.fresh ? undefined : await q.getJob(operationId);
      joinWritesThisTurn(redis);
      if (existing) {
        const state = await existing.getState();
        if (state === 'completed' || state === 'failed') await existing.remove().catch(() => {});
        else return;
      }
      await q.add(name, data, {
        jobId: operationId,
        delay: o.delayMs,
        // Retries are decided by the worker from the driver error's `retryable` (backoff there);
        // BullMQ's own attempts only cover crashes and stalls.
        attempts: spec.attempts,
        backoff: { type: 'exponential', delay: spec.backoffMs, jitter: 0.5 },
        removeOnComplete: { age: 3600, count: 5000 },
        removeOnFail: { age: 24 * 3600 },
      });
    },
    async holds(name, operationId) {
      const job = await (await readyQueue(jobSpec(name).queue)).getJob(operationId);
      if (!job) return false;
      const state = await job.getState();
      return (
        state === 'waiting' ||
        state === 'delayed' ||
        state === 'active' ||
        state === 'prioritized' ||
        state === 'waiting-children'
      );
    },
    async remove(name, operationId) {
      const job = await (await readyQueue(jobSpec(name).queue)).getJob(operationId);
      if (!job) return;
      const state = await job.getState();
      if (state !== 'active') await job.remove().catch(() => {});
    },
    async publishCancel(operationId) {
      await redis.publish(cancelChannel(opts.prefix), operationId);
    },
    async ping() {
      await redis.ping();
    },
    async close() {
      for (const q of queues.values()) await q.close().catch(() => {});
      if (!opts.connection) redis.disconnect();
    },
  };
}
