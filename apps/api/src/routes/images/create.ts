import { imageRoutes } from '@slipway/contract';
import { createImage } from '@slipway/core';
import type { ApiApp, AppDeps } from '../../context.ts';
import { withJsonBody } from '../../openapi.ts';
import { startedWork } from '../../respond.ts';
import { serializeImage } from '../../serializers.ts';

/** POST /api/container-images: 201, status building; the build runs as an operation. */
export function registerCreateImage(app: ApiApp, deps: AppDeps): void {
  app.openapi(withJsonBody(imageRoutes.createContainerImage), async function createImageRoute(c) {
    const b = c.req.valid('json');
    const { image, operation } = await createImage(deps.core, c.get('actor'), {
      name: b.name,
      tag: b.tag,
      repository: b.repository,
      description: b.description,
      source: b.source,
      dockerfile: b.dockerfile,
      buildArgs: b.build_args,
      push: b.push,
      loadIntoClusterId: b.load_into_cluster_id,
    });
    return startedWork(c, serializeImage(image), operation, 201);
  });
}
