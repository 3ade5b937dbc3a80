import { testPrefix, testRedisUrl } from '@slipway/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobSpec } from './catalog.ts';
import { createProducer, type Producer } from './producer.ts';

let producer: Producer;
beforeAll(async () => {
  producer = createProducer({ redisUrl: testRedisUrl(), prefix: testPrefix() });
  await producer.ready(5000);
});
afterAll(async () => {
  await producer?.close();
});

describe('enqueue', () => {
  it('the jobs enqueued in one event-loop turn leave in one socket write, each added as its own job', async () => {
    const ids = Array.from({ length: 10 }, () => crypto.randomUUID());
    await producer.enqueue('image.build', crypto.randomUUID(), { fresh: true }); // the queue made, scripts loaded
    // The connection's socket, its writes counted on their way through (a pass-through spy).
    const stream = (producer.redis as unknown as { stream: Record<string, unknown> }).stream;
    let writes = 0;
    for (const m of ['_write', '_writev'] as const) {
      const own = Object.hasOwn(stream, m);
      const orig = stream[m] as ((...a: unknown[]) => unknown) | undefined;
      if (!orig) continue;
      stream[m] = function (this: unknown, ...a: unknown[]) {
        writes++;
        return orig.apply(this, a);
      };
      if (!own) afterAll(() => void delete stream[m]);
    }
    await Promise.all(ids.map((id) => producer.enqueue('image.build', id, { fresh: true })));
    expect(writes).toBe(1);
    const q = producer.queue(jobSpec('image.build').queue);
    const jobs = await Promise.all(ids.map((id) => q.getJob(id)));
    expect(jobs.map((j) => j?.id)).toEqual(ids);
    expect(jobs.map((j) => j?.data)).toEqual(ids.map((operationId) => ({ operationId })));
  });
});
