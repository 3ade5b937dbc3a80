import { imageRoutes } from '@slipway/contract';
import { updateImage } from '@slipway/core';
import type { ApiApp, AppDeps } from '../../context.ts';
import { withJsonBody } from '../../openapi.ts';
import { startedWork } from '../../respond.ts';
import { serializeImage } from '../../serializers.ts';

/** PUT /api/container-images/:id: a new tag retags (202 + operation); a description alone is immediate (200). */
export function registerUpdateImage(app: ApiApp, deps: AppDeps): void {
  app.openapi(withJsonBody(imageRoutes.updateContainerImage), async function updateImageRoute(c) {
    const { id } = c.req.valid('param');
    const b = c.req.valid('json');
    const { image, operation } = await updateImage(deps.core, c.get('actor'), id, b);
    const body = serializeImage(image);
    return operation ? startedWork(c, body, operation, 202) : c.json(body, 200);
  });
}
