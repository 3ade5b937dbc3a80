import { serviceRoutes } from '@slipway/contract';
import { createService } from '@slipway/core';
import type { ApiApp, AppDeps } from '../../context.ts';
import { withJsonBody } from '../../openapi.ts';
import { startedWork } from '../../respond.ts';
import { serializeService } from '../../serializers.ts';

/** POST /api/services: 201, status pending; the service follows its deployment's cluster and namespace. */
export function registerCreateService(app: ApiApp, deps: AppDeps): void {
  app.openapi(withJsonBody(serviceRoutes.createService), async function createServiceRoute(c) {
    const b = c.req.valid('json');
    const { service, operation } = await createService(deps.core, c.get('actor'), {
      name: b.name,
      type: b.type,
      port: b.port,
      targetPort: b.target_port,
      protocol: b.protocol,
      deploymentId: b.deployment_id,
    });
    return startedWork(c, serializeService(service), operation, 201);
  });
}
