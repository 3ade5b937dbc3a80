import { createImage } from '@slipway/core';
import { z } from 'zod';
import type { ApiApp, AppDeps } from '../../context.ts';
import { startedWork } from '../../respond.ts';
import { serializeImage } from '../../serializers.ts';
import { freeText, jsonBody, text, uuid } from '../../validation.ts';
import { imageName, imageRepository, imageTag } from './schema.ts';

// Sources are untrusted: only https:// and git@ URLs, and relative paths that cannot climb out of
// BUILD_CONTEXT_ROOT (the worker checks again after resolving symlinks). Rejected here with a 422.
const gitUrl = text(2048).regex(
  /^(https:\/\/[^\s/@]+(?::\d+)?\/\S+|git@[A-Za-z0-9.-]+:[\w./~-]+)$/,
  'must be an https:// or git@host:path git URL',
);
const relativePath = text(1024).refine(
  (p) => !p.startsWith('/') && !p.includes('\\') && !p.split('/').includes('..') && !p.includes('\u0000'),
  'must be a relative path inside the build context root (no "..", not absolute)',
);
const gitRef = text(255).regex(/^(?!-)[\w./-]+$/, 'must be a branch, tag or commit');

export const ImageSourceBody = z.union([
  z.object({ git: gitUrl, ref: gitRef.optional(), path: relativePath.optional() }),
  z.object({ path: relativePath }),
]);

export const CreateImageBody = z.object({
  name: imageName,
  tag: imageTag.default('latest'),
  repository: imageRepository,
  description: freeText(2000),
  source: ImageSourceBody.nullable().optional(),
  dockerfile: text(1024).nullable().optional(),
  build_args: z
    .record(text(128).regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an identifier'), z.string().max(4096))
    .refine((r) => Object.keys(r).length <= 64, 'at most 64 build args')
    .refine((r) => Object.values(r).every((v) => !v.includes('\u0000')), 'must not contain NUL characters')
    .nullable()
    .optional(),
  push: z.boolean().optional(),
  load_into_cluster_id: uuid.nullable().optional(),
});

/** POST /api/container-images: 201, status building; the build runs as an operation. */
export function registerCreateImage(app: ApiApp, deps: AppDeps): void {
  app.post('/api/container-images', async function createImageRoute(c) {
    const b = await jsonBody(c, CreateImageBody);
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
