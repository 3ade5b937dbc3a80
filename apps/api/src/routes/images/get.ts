import { imageRoutes } from '@slipway/contract';
import { getImage } from '@slipway/core';
import type { ApiApp, AppDeps } from '../../context.ts';
import { serializeImage } from '../../serializers.ts';

export function registerGetImage(app: ApiApp, deps: AppDeps): void {
  app.openapi(imageRoutes.getContainerImage, async function getImageRoute(c) {
    const { id } = c.req.valid('param');
    return c.json(serializeImage(await getImage(deps.core, c.get('actor'), id)), 200);
  });
}
