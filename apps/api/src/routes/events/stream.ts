import { eventRoutes } from '@slipway/contract';
import { ResourceFollower } from '@slipway/core';
import type { ApiApp, AppDeps } from '../../context.ts';
import { eventStreams, lastEventId, serveStream } from './streams.ts';

/**
 * GET /api/events?resource_type=&resource_id= (SSE): every status change of the caller's operations
 * (and so of their resources, whose status each message carries) from now on, or after Last-Event-ID.
 */
export function registerEventStream(app: ApiApp, deps: AppDeps): void {
  const streams = eventStreams(app, deps);
  app.openapi(eventRoutes.streamEvents, async function eventStreamRoute(c) {
    const q = c.req.valid('query');
    const follower = new ResourceFollower(
      deps.core,
      c.get('actor'),
      { resourceType: q.resource_type, resourceId: q.resource_id },
      lastEventId(c),
    );
    return serveStream(c, streams, follower) as never;
  });
}
