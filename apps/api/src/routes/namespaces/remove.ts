import { namespaceRoutes } from '@slipway/contract';
import { withdrawNamespace } from '@slipway/core';
import type { ApiApp, AppDeps } from '../../context.ts';

/** DELETE /api/namespaces/:id (admins only): withdraw an assignment; 204. */
export function registerDeleteNamespaceAssignment(app: ApiApp, deps: AppDeps): void {
  app.openapi(namespaceRoutes.deleteNamespaceAssignment, async function deleteNamespaceAssignmentRoute(c) {
    const { id } = c.req.valid('param');
    await withdrawNamespace(deps.core, c.get('actor'), id);
    return c.body(null, 204);
  });
}
