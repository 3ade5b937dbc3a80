import { updateImage } from '@slipway/core';
import { z } from 'zod';
import type { ApiApp, AppDeps } from '../../context.ts';
import { startedWork } from '../../respond.ts';
import { serializeImage } from '../../serializers.ts';
import { freeText, idParam, jsonBody } from '../../validation.ts';
import { imageTag } from './schema.ts';

export const UpdateImageBody = z.object({ tag: imageTag.optional(), description: freeText(2000) });

/** PUT /api/container-images/:id: a new tag retags (202 + operation); a description alone is immediate (200). */
export function registerUpdateImage(app: ApiApp, deps: AppDeps): void {
  app.put('/api/container-images/:id', async function updateImageRoute(c) {
    const id = idParam(c);
    const b = await jsonBody(c, UpdateImageBody);
    const { image, operation } = await updateImage(deps.core, c.get('actor'), id, b);
    return startedWork(c, serializeImage(image), operation, operation ? 202 : 200);
  });
}
