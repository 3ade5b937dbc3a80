import { kubeContextRoutes } from '@slipway/contract';
import { createKubeContext } from '@slipway/core';
import type { ApiApp, AppDeps } from '../../context.ts';
import { withJsonBody } from '../../openapi.ts';
import { serializeKubeContext } from './serialize.ts';

/** POST /api/kube-contexts (admins only): assign a kubeconfig context to an owner; 409 if it is taken. */
export function registerCreateKubeContext(app: ApiApp, deps: AppDeps): void {
  app.openapi(withJsonBody(kubeContextRoutes.createKubeContext), async function createKubeContextRoute(c) {
    const b = c.req.valid('json');
    const row = await createKubeContext(deps.core, c.get('actor'), {
      context: b.context,
      ownerId: b.owner_id,
    });
    return c.json(serializeKubeContext(row), 201);
  });
}
