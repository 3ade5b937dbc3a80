import { serviceRoutes } from '@slipway/contract';
import { deleteService } from '@slipway/core';
import type { ApiApp, AppDeps } from '../../context.ts';
import { startedWork } from '../../respond.ts';

export function registerDeleteService(app: ApiApp, deps: AppDeps): void {
  app.openapi(serviceRoutes.deleteService, async function deleteServiceRoute(c) {
    const { id } = c.req.valid('param');
    const { operation } = await deleteService(deps.core, c.get('actor'), id);
    return startedWork(c, { message: 'Service deleted successfully', id }, operation, 200);
  });
}
