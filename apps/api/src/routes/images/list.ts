import { imageRoutes } from '@slipway/contract';
import { listImages } from '@slipway/core';
import type { ApiApp, AppDeps } from '../../context.ts';
import { listResponse, pageQuery } from '../../pagination.ts';
import { serializeImage } from '../../serializers.ts';

export function registerListImages(app: ApiApp, deps: AppDeps): void {
  app.openapi(imageRoutes.listContainerImages, async function listImagesRoute(c) {
    const page = await listImages(deps.core, c.get('actor'), pageQuery(c.req.valid('query')));
    return listResponse(c, page, serializeImage);
  });
}
