import type { Redis } from 'ioredis';

// Workers publish what they run on (drivers chosen, queues served) under a key that expires unless
// refreshed, so the API can answer GET /api/system/drivers without importing any driver.
const key = (prefix: string, workerId: string) => `${prefix}:slipway:workers:${workerId}`;

export type WorkerAnnouncement = {
  workerId: string;
  queues: string[];
  drivers: Record<string, unknown>[];
  startedAt: string;
};

export async function announceWorker(
  redis: Redis,
  prefix: string,
  a: WorkerAnnouncement,
  ttlSec = 60,
): Promise<void> {
  await redis.set(key(prefix, a.workerId), JSON.stringify(a), 'EX', ttlSec);
}

export async function withdrawWorker(redis: Redis, prefix: string, workerId: string): Promise<void> {
  await redis.del(key(prefix, workerId));
}

/** Every live worker's announcement (SCAN, never KEYS). */
export async function listWorkers(redis: Redis, prefix: string): Promise<WorkerAnnouncement[]> {
  const out: WorkerAnnouncement[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', key(prefix, '*'), 'COUNT', 200);
    cursor = next;
    if (keys.length) {
      for (const v of await redis.mget(...keys)) if (v) out.push(JSON.parse(v) as WorkerAnnouncement);
    }
  } while (cursor !== '0');
  return out.sort((a, b) => a.workerId.localeCompare(b.workerId));
}
