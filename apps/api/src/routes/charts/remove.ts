import { chartRoutes } from '@slipway/contract';
import { deleteChart } from '@slipway/core';
import type { ApiApp, AppDeps } from '../../context.ts';

export function registerDeleteChart(app: ApiApp, deps: AppDeps): void {
  app.openapi(chartRoutes.deleteHelmChart, async function deleteChartRoute(c) {
    const { id } = c.req.valid('param');
    await deleteChart(deps.core, c.get('actor'), id);
    return c.json({ message: 'Helm chart deleted successfully', id }, 200);
  });
}
