import { chartRoutes } from '@slipway/contract';
import { getChart } from '@slipway/core';
import type { ApiApp, AppDeps } from '../../context.ts';
import { serializeChart } from '../../serializers.ts';

export function registerGetChart(app: ApiApp, deps: AppDeps): void {
  app.openapi(chartRoutes.getHelmChart, async function getChartRoute(c) {
    const { id } = c.req.valid('param');
    return c.json(serializeChart(await getChart(deps.core, c.get('actor'), id)), 200);
  });
}
