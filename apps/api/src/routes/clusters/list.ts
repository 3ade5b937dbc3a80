import { clusterRoutes } from '@slipway/contract';
import { listClusters } from '@slipway/core';
import type { ApiApp, AppDeps } from '../../context.ts';
import { listResponse, pageQuery } from '../../pagination.ts';
import { serializeCluster } from '../../serializers.ts';

export function registerListClusters(app: ApiApp, deps: AppDeps): void {
  app.openapi(clusterRoutes.listMinikubeClusters, async function listClustersRoute(c) {
    const page = await listClusters(deps.core, c.get('actor'), pageQuery(c.req.valid('query')));
    return listResponse(c, page, serializeCluster);
  });
}
