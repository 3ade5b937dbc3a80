import { imageRoutes } from '@slipway/contract';
import { gitHostIssue, parseGitUrl } from '@slipway/contract/build-source';
import { createImage, DomainError } from '@slipway/core';
import type { ApiApp, AppDeps } from '../../context.ts';
import { claimsKeyInVerb } from '../../middleware/idempotency.ts';
import { withJsonBody } from '../../openapi.ts';
import { startedWork } from '../../respond.ts';
import { serializeImage } from '../../serializers.ts';

/** POST /api/container-images: 201, status building; the build runs as an operation. */
export function registerCreateImage(app: ApiApp, deps: AppDeps): void {
  // createImage claims a request's Idempotency-Key in its own statement (one commit fewer).
  claimsKeyInVerb('POST', '/api/container-images');
  app.openapi(withJsonBody(imageRoutes.createContainerImage), async function createImageRoute(c) {
    const b = c.req.valid('json');
    if (b.source && 'git' in b.source) {
      // Loopback, private, link-local and metadata hosts are refused unless GIT_ALLOWED_HOSTS names
      // them; the worker checks the resolved addresses again right before the clone.
      const issue = gitHostIssue(parseGitUrl(b.source.git)?.host ?? '', deps.config.GIT_ALLOWED_HOSTS ?? []);
      if (issue)
        throw new DomainError('validation', 'Validation failed', { details: { field: 'source.git', issue } });
    }
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
