import { systemRoutes } from '@slipway/contract';
import { assertAdmin, DomainError } from '@slipway/core';
import { queueNames } from '@slipway/jobs';
import type { ApiApp, AppDeps } from '../../context.ts';

const STATES = ['waiting', 'active', 'delayed', 'prioritized', 'completed', 'failed'] as const;

/** GET /api/system/queues (admin): job counts per BullMQ queue. */
export function registerSystemQueues(app: ApiApp, deps: AppDeps): void {
  app.openapi(systemRoutes.getSystemQueues, async function systemQueues(c) {
    assertAdmin(c.get('actor'));
    const producer = deps.core.producer;
    if (!producer) throw new DomainError('unavailable', 'No queue connection');
    const queues = await Promise.all(
      queueNames.map(async (name) => ({ name, counts: await producer.queue(name).getJobCounts(...STATES) })),
    );
    return c.json({ prefix: deps.config.QUEUE_PREFIX, queues }, 200);
  });
}
