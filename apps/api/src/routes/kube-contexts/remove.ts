import { kubeContextRoutes } from '@slipway/contract';
import { deleteKubeContext } from '@slipway/core';
import type { ApiApp, AppDeps } from '../../context.ts';

/** DELETE /api/kube-contexts/:id (admins only): withdraw an assignment; 204. */
export function registerDeleteKubeContext(app: ApiApp, deps: AppDeps): void {
  app.openapi(kubeContextRoutes.deleteKubeContext, async function deleteKubeContextRoute(c) {
    const { id } = c.req.valid('param');
    await deleteKubeContext(deps.core, c.get('actor'), id);
    return c.body(null, 204);
  });
}
