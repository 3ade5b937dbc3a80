import { eventRoutes } from '@slipway/contract';
import { assertCanWatch, OperationFollower } from '@slipway/core';
import type { ApiApp, AppDeps } from '../../context.ts';
import { eventStreams, lastEventId, serveStream } from '../events/streams.ts';

/**
 * GET /api/operations/:id/events (SSE): the operation's events so far (after Last-Event-ID), then each
 * one as it is committed; ends after the terminal event. Another user's operation is a 404.
 */
export function registerOperationEvents(app: ApiApp, deps: AppDeps): void {
  const streams = eventStreams(app, deps);
  app.openapi(eventRoutes.streamOperationEvents, async function operationEventsRoute(c) {
    const { id } = c.req.valid('param');
    await assertCanWatch(deps.core, c.get('actor'), id);
    c.set('resourceId', id);
    return serveStream(c, streams, new OperationFollower(deps.core, id, lastEventId(c) ?? 0)) as never;
  });
}
