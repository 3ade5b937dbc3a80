import { deploymentRoutes } from '@slipway/contract';
import { scaleDeployment } from '@slipway/core';
import type { ApiApp, AppDeps } from '../../context.ts';
import { withJsonBody } from '../../openapi.ts';
import { startedWork } from '../../respond.ts';

/** POST /api/deployments/:id/scale: 202 with the contract's message, current and desired replicas. */
export function registerScaleDeployment(app: ApiApp, deps: AppDeps): void {
  app.openapi(withJsonBody(deploymentRoutes.scaleDeployment), async function scaleDeploymentRoute(c) {
    const { id } = c.req.valid('param');
    const b = c.req.valid('json');
    const { before, deployment, operation } = await scaleDeployment(
      deps.core,
      c.get('actor'),
      id,
      b.replicas,
    );
    return startedWork(
      c,
      {
        message: `Deployment scaling to ${b.replicas} replicas`,
        // The spec before this request (what the cluster is converging to now).
        current_replicas: before.replicas,
        desired_replicas: b.replicas,
        id,
        available_replicas: deployment.availableReplicas,
        status: deployment.status,
      },
      operation,
      202,
    );
  });
}
