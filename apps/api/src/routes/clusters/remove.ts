import { clusterRoutes } from '@slipway/contract';
import { deleteCluster } from '@slipway/core';
import type { ApiApp, AppDeps } from '../../context.ts';
import { startedWork } from '../../respond.ts';

/** DELETE /api/minikube-clusters/:id: gone at once (with its deployments and services); teardown continues. */
export function registerDeleteCluster(app: ApiApp, deps: AppDeps): void {
  app.openapi(clusterRoutes.deleteMinikubeCluster, async function deleteClusterRoute(c) {
    const { id } = c.req.valid('param');
    const { operation } = await deleteCluster(deps.core, c.get('actor'), id);
    return startedWork(c, { message: 'Cluster deleted successfully', id }, operation, 200);
  });
}
