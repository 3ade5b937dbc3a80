import { DomainError, listOperations } from '@slipway/core';
import { operationStatuses } from '@slipway/db';
import { isJobName } from '@slipway/jobs';
import type { ApiApp, AppDeps } from '../../context.ts';
import { listResponse, parsePageQuery } from '../../pagination.ts';
import { serializeOperation } from '../../serializers.ts';
import { isUuid } from '../../validation.ts';

const invalid = (field: string, issue: string) =>
  new DomainError('validation', 'Invalid query parameters', { details: { field, issue } });

/** GET /api/operations?resource_id=&status=&kind=: paginated like every list, newest first. */
export function registerListOperations(app: ApiApp, deps: AppDeps): void {
  app.get('/api/operations', async function listOperationsRoute(c) {
    const q = parsePageQuery(c, operationStatuses);
    const resourceId = c.req.query('resource_id') || undefined;
    if (resourceId !== undefined && !isUuid(resourceId)) throw invalid('resource_id', 'must be a UUID');
    // `kind` (e.g. deployment.scale) is the operations' name filter.
    const kind = c.req.query('kind') || q.name;
    if (kind !== undefined && !isJobName(kind)) throw invalid('kind', 'unknown operation kind');
    const page = await listOperations(deps.core, c.get('actor'), { ...q, name: kind, resourceId });
    return listResponse(c, page, serializeOperation);
  });
}
