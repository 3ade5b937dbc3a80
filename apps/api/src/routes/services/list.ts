import { serviceRoutes } from '@slipway/contract';
import { listServices } from '@slipway/core';
import type { ApiApp, AppDeps } from '../../context.ts';
import { listResponse, pageQuery } from '../../pagination.ts';
import { serializeService } from '../../serializers.ts';

export function registerListServices(app: ApiApp, deps: AppDeps): void {
  app.openapi(serviceRoutes.listServices, async function listServicesRoute(c) {
    const page = await listServices(deps.core, c.get('actor'), pageQuery(c.req.valid('query')));
    return listResponse(c, page, serializeService);
  });
}
