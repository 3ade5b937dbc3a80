import { listServices } from '@slipway/core';
import { serviceStatuses } from '@slipway/db';
import type { ApiApp, AppDeps } from '../../context.ts';
import { listResponse, parsePageQuery } from '../../pagination.ts';
import { serializeService } from '../../serializers.ts';

export function registerListServices(app: ApiApp, deps: AppDeps): void {
  app.get('/api/services', async function listServicesRoute(c) {
    const page = await listServices(deps.core, c.get('actor'), parsePageQuery(c, serviceStatuses));
    return listResponse(c, page, serializeService);
  });
}
