import { listClusters } from '@slipway/core';
import { clusterStatuses } from '@slipway/db';
import type { ApiApp, AppDeps } from '../../context.ts';
import { listResponse, parsePageQuery } from '../../pagination.ts';
import { serializeCluster } from '../../serializers.ts';

export function registerListClusters(app: ApiApp, deps: AppDeps): void {
  app.get('/api/minikube-clusters', async function listClustersRoute(c) {
    const page = await listClusters(deps.core, c.get('actor'), parsePageQuery(c, clusterStatuses));
    return listResponse(c, page, serializeCluster);
  });
}
