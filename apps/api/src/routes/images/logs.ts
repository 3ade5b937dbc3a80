import { imageRoutes } from '@slipway/contract';
import { imageLogs } from '@slipway/core';
import type { ApiApp, AppDeps } from '../../context.ts';
import { serializeEvent } from '../../serializers.ts';

/** GET /api/container-images/:id/logs: the build log, the events of its build and retag operations. */
export function registerImageLogs(app: ApiApp, deps: AppDeps): void {
  app.openapi(imageRoutes.getContainerImageLogs, async function imageLogsRoute(c) {
    const { id } = c.req.valid('param');
    const events = await imageLogs(deps.core, c.get('actor'), id);
    return c.json({ id, lines: events.map(serializeEvent) }, 200);
  });
}
