import { createProducer, type Producer, producerConnection } from '@slipway/jobs';
import type { Redis } from 'ioredis';

/**
 * A producer whose connection is ready before BullMQ sees it. The producer connection has no
 * offline queue (fail fast), and BullMQ's Queue runs its first command (INFO) at construction:
 * on a connection still connecting that command fails and the queue stays broken for good. So we
 * connect first, then build the producer on the live connection (closing it ourselves).
 */
export async function connectProducer(opts: {
  redisUrl: string;
  prefix: string;
  timeoutMs?: number;
  telemetry?: import('bullmq').Telemetry | undefined;
}): Promise<Producer> {
  const redis = producerConnection(opts.redisUrl);
  redis.on('error', () => {});
  await waitForReady(redis, opts.timeoutMs ?? 10_000).catch((e: unknown) => {
    redis.disconnect();
    throw e;
  });
  const producer = createProducer({
    redisUrl: opts.redisUrl,
    prefix: opts.prefix,
    connection: redis,
    telemetry: opts.telemetry,
  });
  return {
    ...producer,
    async close() {
      await producer.close();
      redis.disconnect();
    },
  };
}

export function waitForReady(redis: Redis, timeoutMs: number): Promise<void> {
  if (redis.status === 'ready') return Promise.resolve();
  return new Promise((ok, fail) => {
    const timer = setTimeout(() => {
      redis.off('ready', onReady);
      fail(new Error(`Redis not ready after ${timeoutMs} ms`));
    }, timeoutMs);
    const onReady = () => {
      clearTimeout(timer);
      ok();
    };
    redis.once('ready', onReady);
  });
}
