import { imageRoutes } from '@slipway/contract';
import { deleteImage } from '@slipway/core';
import type { ApiApp, AppDeps } from '../../context.ts';
import { startedWork } from '../../respond.ts';

/** DELETE /api/container-images/:id: gone at once; removing it from the engine continues as an operation. */
export function registerDeleteImage(app: ApiApp, deps: AppDeps): void {
  app.openapi(imageRoutes.deleteContainerImage, async function deleteImageRoute(c) {
    const { id } = c.req.valid('param');
    const { operation } = await deleteImage(deps.core, c.get('actor'), id);
    return startedWork(c, { message: 'Container image deleted successfully', id }, operation, 200);
  });
}
