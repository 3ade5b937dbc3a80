import { namespaceRoutes } from '@slipway/contract';
import { listNamespaceAssignments } from '@slipway/core';
import type { ApiApp, AppDeps } from '../../context.ts';
import { listResponse } from '../../pagination.ts';
import { serializeNamespaceAssignment } from './serialize.ts';

/** GET /api/namespaces (admins only): the assignments, newest first, paginated, optionally one owner's. */
export function registerListNamespaceAssignments(app: ApiApp, deps: AppDeps): void {
  app.openapi(namespaceRoutes.listNamespaceAssignments, async function listNamespaceAssignmentsRoute(c) {
    const q = c.req.valid('query');
    const page = await listNamespaceAssignments(deps.core, c.get('actor'), {
      page: q.page,
      perPage: q.per_page,
      ownerId: q.owner_id,
    });
    return listResponse(c, page, serializeNamespaceAssignment);
  });
}
