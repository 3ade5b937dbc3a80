import { imageLogs } from '@slipway/core';
import type { ApiApp, AppDeps } from '../../context.ts';
import { serializeEvent } from '../../serializers.ts';
import { idParam } from '../../validation.ts';

/** GET /api/container-images/:id/logs: the build log, the events of its build and retag operations. */
export function registerImageLogs(app: ApiApp, deps: AppDeps): void {
  app.get('/api/container-images/:id/logs', async function imageLogsRoute(c) {
    const id = idParam(c);
    const events = await imageLogs(deps.core, c.get('actor'), id);
    return c.json({ id, lines: events.map(serializeEvent) });
  });
}
