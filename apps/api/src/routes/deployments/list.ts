import { listDeployments } from '@slipway/core';
import { deploymentStatuses } from '@slipway/db';
import type { ApiApp, AppDeps } from '../../context.ts';
import { listResponse, parsePageQuery } from '../../pagination.ts';
import { serializeDeployment } from '../../serializers.ts';

export function registerListDeployments(app: ApiApp, deps: AppDeps): void {
  app.get('/api/deployments', async function listDeploymentsRoute(c) {
    const page = await listDeployments(deps.core, c.get('actor'), parsePageQuery(c, deploymentStatuses));
    return listResponse(c, page, serializeDeployment);
  });
}
