import { deleteCluster } from '@slipway/core';
import type { ApiApp, AppDeps } from '../../context.ts';
import { startedWork } from '../../respond.ts';
import { idParam } from '../../validation.ts';

/** DELETE /api/minikube-clusters/:id: gone at once (with its deployments and services); teardown continues. */
export function registerDeleteCluster(app: ApiApp, deps: AppDeps): void {
  app.delete('/api/minikube-clusters/:id', async function deleteClusterRoute(c) {
    const id = idParam(c);
    const { operation } = await deleteCluster(deps.core, c.get('actor'), id);
    return startedWork(c, { message: 'Cluster deleted successfully', id }, operation, 200);
  });
}
