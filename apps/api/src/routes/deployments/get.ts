import { getDeployment } from '@slipway/core';
import type { ApiApp, AppDeps } from '../../context.ts';
import { serializeDeployment } from '../../serializers.ts';
import { idParam } from '../../validation.ts';

export function registerGetDeployment(app: ApiApp, deps: AppDeps): void {
  app.get('/api/deployments/:id', async function getDeploymentRoute(c) {
    return c.json(serializeDeployment(await getDeployment(deps.core, c.get('actor'), idParam(c))));
  });
}
