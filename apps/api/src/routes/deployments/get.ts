import { deploymentRoutes } from '@slipway/contract';
import { getDeployment } from '@slipway/core';
import type { ApiApp, AppDeps } from '../../context.ts';
import { serializeDeployment } from '../../serializers.ts';

export function registerGetDeployment(app: ApiApp, deps: AppDeps): void {
  app.openapi(deploymentRoutes.getDeployment, async function getDeploymentRoute(c) {
    const { id } = c.req.valid('param');
    return c.json(serializeDeployment(await getDeployment(deps.core, c.get('actor'), id)), 200);
  });
}
