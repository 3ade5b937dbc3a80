import { getService } from '@slipway/core';
import type { ApiApp, AppDeps } from '../../context.ts';
import { serializeService } from '../../serializers.ts';
import { idParam } from '../../validation.ts';

export function registerGetService(app: ApiApp, deps: AppDeps): void {
  app.get('/api/services/:id', async function getServiceRoute(c) {
    return c.json(serializeService(await getService(deps.core, c.get('actor'), idParam(c))));
  });
}
