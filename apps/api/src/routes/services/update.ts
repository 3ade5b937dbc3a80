import { serviceRoutes } from '@slipway/contract';
import { updateService } from '@slipway/core';
import type { ApiApp, AppDeps } from '../../context.ts';
import { withJsonBody } from '../../openapi.ts';
import { startedWork } from '../../respond.ts';
import { serializeService } from '../../serializers.ts';

/** PUT /api/services/:id: back to pending and re-applied by an operation (202). */
export function registerUpdateService(app: ApiApp, deps: AppDeps): void {
  app.openapi(withJsonBody(serviceRoutes.updateService), async function updateServiceRoute(c) {
    const { id } = c.req.valid('param');
    const b = c.req.valid('json');
    const { service, operation } = await updateService(deps.core, c.get('actor'), id, {
      ...(b.type !== undefined && { type: b.type }),
      ...(b.port !== undefined && { port: b.port }),
      ...(b.target_port !== undefined && { targetPort: b.target_port }),
      ...(b.protocol !== undefined && { protocol: b.protocol }),
    });
    return startedWork(c, serializeService(service), operation, 202);
  });
}
