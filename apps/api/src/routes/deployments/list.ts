import { deploymentRoutes } from '@slipway/contract';
import { listDeployments } from '@slipway/core';
import type { ApiApp, AppDeps } from '../../context.ts';
import { listResponse, pageQuery } from '../../pagination.ts';
import { serializeDeployment } from '../../serializers.ts';

export function registerListDeployments(app: ApiApp, deps: AppDeps): void {
  app.openapi(deploymentRoutes.listDeployments, async function listDeploymentsRoute(c) {
    const page = await listDeployments(deps.core, c.get('actor'), pageQuery(c.req.valid('query')));
    return listResponse(c, page, serializeDeployment);
  });
}
