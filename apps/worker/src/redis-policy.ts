import type { Logger } from '@slipway/core';
import type { Redis } from 'ioredis';

/**
 * BullMQ loses jobs silently if Redis evicts keys, and loses the last writes on a crash without
 * AOF. Warn loudly at start when the server is configured otherwise (the reconciler still covers
 * lost jobs from Postgres, but it should not have to).
 */
export async function ensureRedisPolicy(redis: Redis, log: Logger): Promise<{ policy: string; aof: string }> {
  try {
    const [, policy = ''] = (await redis.config('GET', 'maxmemory-policy')) as string[];
    const [, aof = ''] = (await redis.config('GET', 'appendonly')) as string[];
    if (policy !== 'noeviction')
      log.warn({ policy }, `Redis maxmemory-policy is '${policy}', should be 'noeviction' for BullMQ`);
    if (aof !== 'yes')
      log.warn(
        { appendonly: aof },
        'Redis AOF is off: a Redis crash can drop recently accepted jobs (the reconciler re-enqueues them from Postgres)',
      );
    return { policy, aof };
  } catch (e) {
    log.warn({ err: (e as Error).message }, 'could not read Redis config (CONFIG GET disabled?)');
    return { policy: 'unknown', aof: 'unknown' };
  }
}
