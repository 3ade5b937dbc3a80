import { Redis, type RedisOptions } from 'ioredis';

/**
 * Producers (API): fail fast. No offline queue, so `queue.add` rejects at once when Redis is down
 * instead of hanging the request; a few retries per command only.
 */
export function producerConnection(url: string, extra: RedisOptions = {}): Redis {
  return new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2000,
    retryStrategy: (times) => Math.min(times * 200, 2000),
    ...extra,
  });
}

/** Workers: block forever and reconnect forever (BullMQ requires maxRetriesPerRequest: null). */
export function workerConnection(url: string, extra: RedisOptions = {}): Redis {
  return new Redis(url, {
    maxRetriesPerRequest: null,
    retryStrategy: (times) => Math.min(times * 200, 2000),
    ...extra,
  });
}
