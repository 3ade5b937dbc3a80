import { getCluster } from '@slipway/core';
import type { ApiApp, AppDeps } from '../../context.ts';
import { serializeCluster } from '../../serializers.ts';
import { idParam } from '../../validation.ts';

export function registerGetCluster(app: ApiApp, deps: AppDeps): void {
  app.get('/api/minikube-clusters/:id', async function getClusterRoute(c) {
    return c.json(serializeCluster(await getCluster(deps.core, c.get('actor'), idParam(c))));
  });
}
