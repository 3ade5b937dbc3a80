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

/**
 * redis-server flags for a private server that BullMQ can trust: AOF fsynced every second (a crash
 * loses at most ~1 s of accepted jobs) and noeviction (keys are never dropped under memory pressure).
 */
export function durableRedisServerArgs(port: number, dir: string): string[] {
  return [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--dir',
    dir,
    '--save',
    '',
    '--appendonly',
    'yes',
    '--appendfsync',
    'everysec',
    '--maxmemory-policy',
    'noeviction',
  ];
}
