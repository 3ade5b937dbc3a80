import { chartRoutes } from '@slipway/contract';
import { listCharts } from '@slipway/core';
import type { ApiApp, AppDeps } from '../../context.ts';
import { listResponse, pageQuery } from '../../pagination.ts';
import { serializeChart } from '../../serializers.ts';

export function registerListCharts(app: ApiApp, deps: AppDeps): void {
  app.openapi(chartRoutes.listHelmCharts, async function listChartsRoute(c) {
    const page = await listCharts(deps.core, c.get('actor'), pageQuery(c.req.valid('query')));
    return listResponse(c, page, serializeChart);
  });
}
