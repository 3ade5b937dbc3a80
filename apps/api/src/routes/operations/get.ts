import { getOperation } from '@slipway/core';
import type { ApiApp, AppDeps } from '../../context.ts';
import { serializeOperation } from '../../serializers.ts';
import { idParam } from '../../validation.ts';

/** GET /api/operations/:id: status, progress, error, result and every event. */
export function registerGetOperation(app: ApiApp, deps: AppDeps): void {
  app.get('/api/operations/:id', async function getOperationRoute(c) {
    return c.json(serializeOperation(await getOperation(deps.core, c.get('actor'), idParam(c))));
  });
}
