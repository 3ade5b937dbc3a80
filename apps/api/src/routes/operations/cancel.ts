import { operationRoutes } from '@slipway/contract';
import { cancelOperation } from '@slipway/core';
import type { ApiApp, AppDeps } from '../../context.ts';
import { serializeOperation } from '../../serializers.ts';

/** POST /api/operations/:id/cancel: queued or running -> cancelled at once (409 once it has finished). */
export function registerCancelOperation(app: ApiApp, deps: AppDeps): void {
  app.openapi(operationRoutes.cancelOperation, async function cancelOperationRoute(c) {
    const { id } = c.req.valid('param');
    const op = await cancelOperation(deps.core, c.get('actor'), id);
    return c.json({ message: 'Operation cancelled', ...serializeOperation(op) }, 200);
  });
}
