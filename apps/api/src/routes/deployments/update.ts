import { deploymentRoutes } from '@slipway/contract';
import { updateDeployment } from '@slipway/core';
import type { ApiApp, AppDeps } from '../../context.ts';
import { withJsonBody } from '../../openapi.ts';
import { startedWork } from '../../respond.ts';
import { serializeDeployment } from '../../serializers.ts';

/** PUT /api/deployments/:id: the new desired state is recorded at once and applied by an operation (202). */
export function registerUpdateDeployment(app: ApiApp, deps: AppDeps): void {
  app.openapi(withJsonBody(deploymentRoutes.updateDeployment), async function updateDeploymentRoute(c) {
    const { id } = c.req.valid('param');
    const b = c.req.valid('json');
    const { deployment, operation } = await updateDeployment(deps.core, c.get('actor'), id, {
      replicas: b.replicas,
      image: b.image,
      containerPort: b.container_port,
    });
    return startedWork(c, serializeDeployment(deployment), operation, 202);
  });
}
