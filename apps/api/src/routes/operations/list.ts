import { operationRoutes } from '@slipway/contract';
import { DomainError, listOperations } from '@slipway/core';
import { isJobName } from '@slipway/jobs';
import type { ApiApp, AppDeps } from '../../context.ts';
import { listResponse, pageQuery } from '../../pagination.ts';
import { serializeOperation } from '../../serializers.ts';

/** GET /api/operations?resource_id=&status=&kind=: paginated like every list, newest first. */
export function registerListOperations(app: ApiApp, deps: AppDeps): void {
  app.openapi(operationRoutes.listOperations, async function listOperationsRoute(c) {
    const q = c.req.valid('query');
    // `kind` (e.g. deployment.scale) is the operations' name filter.
    const kind = q.kind ?? q.name;
    if (kind !== undefined && !isJobName(kind)) {
      throw new DomainError('validation', 'Invalid query parameters', {
        details: { field: 'kind', issue: 'unknown operation kind' },
      });
    }
    const page = await listOperations(deps.core, c.get('actor'), {
      ...pageQuery(q),
      name: kind,
      resourceId: q.resource_id,
    });
    return listResponse(c, page, serializeOperation);
  });
}
