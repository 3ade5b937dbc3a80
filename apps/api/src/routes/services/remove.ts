import { deleteService } from '@slipway/core';
import type { ApiApp, AppDeps } from '../../context.ts';
import { startedWork } from '../../respond.ts';
import { idParam } from '../../validation.ts';

export function registerDeleteService(app: ApiApp, deps: AppDeps): void {
  app.delete('/api/services/:id', async function deleteServiceRoute(c) {
    const id = idParam(c);
    const { operation } = await deleteService(deps.core, c.get('actor'), id);
    return startedWork(c, { message: 'Service deleted successfully', id }, operation, 200);
  });
}
