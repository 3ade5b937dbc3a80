import { clusterRoutes } from '@slipway/contract';
import { getCluster } from '@slipway/core';
import type { ApiApp, AppDeps } from '../../context.ts';
import { serializeCluster } from '../../serializers.ts';

export function registerGetCluster(app: ApiApp, deps: AppDeps): void {
  app.openapi(clusterRoutes.getMinikubeCluster, async function getClusterRoute(c) {
    const { id } = c.req.valid('param');
    return c.json(serializeCluster(await getCluster(deps.core, c.get('actor'), id)), 200);
  });
}
