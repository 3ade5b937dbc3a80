import { getImage } from '@slipway/core';
import type { ApiApp, AppDeps } from '../../context.ts';
import { serializeImage } from '../../serializers.ts';
import { idParam } from '../../validation.ts';

export function registerGetImage(app: ApiApp, deps: AppDeps): void {
  app.get('/api/container-images/:id', async function getImageRoute(c) {
    return c.json(serializeImage(await getImage(deps.core, c.get('actor'), idParam(c))));
  });
}
