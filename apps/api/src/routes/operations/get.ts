import { operationRoutes } from '@slipway/contract';
import { getOperation } from '@slipway/core';
import type { ApiApp, AppDeps } from '../../context.ts';
import { serializeOperation } from '../../serializers.ts';

/** GET /api/operations/:id: status, progress, error, result and every event. */
export function registerGetOperation(app: ApiApp, deps: AppDeps): void {
  app.openapi(operationRoutes.getOperation, async function getOperationRoute(c) {
    const { id } = c.req.valid('param');
    return c.json(serializeOperation(await getOperation(deps.core, c.get('actor'), id)), 200);
  });
}
