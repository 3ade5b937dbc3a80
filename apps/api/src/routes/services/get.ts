import { serviceRoutes } from '@slipway/contract';
import { getService } from '@slipway/core';
import type { ApiApp, AppDeps } from '../../context.ts';
import { serializeService } from '../../serializers.ts';

export function registerGetService(app: ApiApp, deps: AppDeps): void {
  app.openapi(serviceRoutes.getService, async function getServiceRoute(c) {
    const { id } = c.req.valid('param');
    return c.json(serializeService(await getService(deps.core, c.get('actor'), id)), 200);
  });
}
