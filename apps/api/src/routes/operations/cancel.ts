import { cancelOperation } from '@slipway/core';
import type { ApiApp, AppDeps } from '../../context.ts';
import { serializeOperation } from '../../serializers.ts';
import { idParam } from '../../validation.ts';

/** POST /api/operations/:id/cancel: queued or running -> cancelled at once (409 once it has finished). */
export function registerCancelOperation(app: ApiApp, deps: AppDeps): void {
  app.post('/api/operations/:id/cancel', async function cancelOperationRoute(c) {
    const op = await cancelOperation(deps.core, c.get('actor'), idParam(c));
    return c.json({ message: 'Operation cancelled', ...serializeOperation(op) });
  });
}
