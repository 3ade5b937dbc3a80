import { deploymentRoutes } from '@slipway/contract';
import { createDeployment } from '@slipway/core';
import type { ApiApp, AppDeps } from '../../context.ts';
import { withJsonBody } from '../../openapi.ts';
import { startedWork } from '../../respond.ts';
import { serializeDeployment } from '../../serializers.ts';

/** POST /api/deployments: 201, status pending; the rollout runs as an operation. */
export function registerCreateDeployment(app: ApiApp, deps: AppDeps): void {
  app.openapi(withJsonBody(deploymentRoutes.createDeployment), async function createDeploymentRoute(c) {
    const b = c.req.valid('json');
    const { deployment, operation } = await createDeployment(deps.core, c.get('actor'), {
      name: b.name,
      replicas: b.replicas,
      image: b.image,
      containerPort: b.container_port,
      helmChartId: b.helm_chart_id,
      minikubeClusterId: b.minikube_cluster_id,
      namespace: b.namespace,
    });
    return startedWork(c, serializeDeployment(deployment), operation, 201);
  });
}
