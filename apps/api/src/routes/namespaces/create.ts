import { namespaceRoutes } from '@slipway/contract';
import { assignNamespace } from '@slipway/core';
import type { ApiApp, AppDeps } from '../../context.ts';
import { withJsonBody } from '../../openapi.ts';
import { serializeNamespaceAssignment } from './serialize.ts';

/** POST /api/namespaces (admins only): assign a namespace to an owner; 409 if it is taken. */
export function registerCreateNamespaceAssignment(app: ApiApp, deps: AppDeps): void {
  app.openapi(
    withJsonBody(namespaceRoutes.createNamespaceAssignment),
    async function createNamespaceAssignmentRoute(c) {
      const b = c.req.valid('json');
      const row = await assignNamespace(deps.core, c.get('actor'), {
        namespace: b.namespace,
        ownerId: b.owner_id,
      });
      return c.json(serializeNamespaceAssignment(row), 201);
    },
  );
}
