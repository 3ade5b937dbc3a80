import { listImages } from '@slipway/core';
import { imageStatuses } from '@slipway/db';
import type { ApiApp, AppDeps } from '../../context.ts';
import { listResponse, parsePageQuery } from '../../pagination.ts';
import { serializeImage } from '../../serializers.ts';

export function registerListImages(app: ApiApp, deps: AppDeps): void {
  app.get('/api/container-images', async function listImagesRoute(c) {
    const page = await listImages(deps.core, c.get('actor'), parsePageQuery(c, imageStatuses));
    return listResponse(c, page, serializeImage);
  });
}
