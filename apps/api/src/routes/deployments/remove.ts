import { deploymentRoutes } from '@slipway/contract';
import { deleteDeployment } from '@slipway/core';
import type { ApiApp, AppDeps } from '../../context.ts';
import { startedWork } from '../../respond.ts';

/** DELETE /api/deployments/:id: gone at once with its services; the teardown continues as operations. */
export function registerDeleteDeployment(app: ApiApp, deps: AppDeps): void {
  app.openapi(deploymentRoutes.deleteDeployment, async function deleteDeploymentRoute(c) {
    const { id } = c.req.valid('param');
    const { operation } = await deleteDeployment(deps.core, c.get('actor'), id);
    return startedWork(c, { message: 'Deployment deleted successfully', id }, operation, 200);
  });
}
