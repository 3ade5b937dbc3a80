import { createProducer, type Producer } from '@slipway/jobs';

/**
 * A producer whose Redis connection is up before the API serves: `createProducer` builds BullMQ
 * queues only once connected (`ready()`), and the API would rather fail at start than answer its
 * first requests with 503.
 */
export async function connectProducer(opts: {
  redisUrl: string;
  prefix: string;
  timeoutMs?: number;
  telemetry?: import('bullmq').Telemetry | undefined;
}): Promise<Producer> {
  const producer = createProducer({
    redisUrl: opts.redisUrl,
    prefix: opts.prefix,
    telemetry: opts.telemetry,
  });
  try {
    await producer.ready(opts.timeoutMs ?? 10_000);
  } catch (e) {
    await producer.close();
    throw e;
  }
  return producer;
}
