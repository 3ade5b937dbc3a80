import { deleteImage } from '@slipway/core';
import type { ApiApp, AppDeps } from '../../context.ts';
import { startedWork } from '../../respond.ts';
import { idParam } from '../../validation.ts';

/** DELETE /api/container-images/:id: gone at once; removing it from the engine continues as an operation. */
export function registerDeleteImage(app: ApiApp, deps: AppDeps): void {
  app.delete('/api/container-images/:id', async function deleteImageRoute(c) {
    const id = idParam(c);
    const { operation } = await deleteImage(deps.core, c.get('actor'), id);
    return startedWork(c, { message: 'Container image deleted successfully', id }, operation, 200);
  });
}
