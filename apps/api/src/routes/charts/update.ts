import { chartRoutes } from '@slipway/contract';
import { updateChart } from '@slipway/core';
import type { ApiApp, AppDeps } from '../../context.ts';
import { withJsonBody } from '../../openapi.ts';
import { startedWork } from '../../respond.ts';
import { serializeChart } from '../../serializers.ts';

/** PUT /api/helm-charts/:id: any change re-validates the chart (202 + operation). */
export function registerUpdateChart(app: ApiApp, deps: AppDeps): void {
  app.openapi(withJsonBody(chartRoutes.updateHelmChart), async function updateChartRoute(c) {
    const { id } = c.req.valid('param');
    const b = c.req.valid('json');
    const { chart, operation } = await updateChart(deps.core, c.get('actor'), id, {
      name: b.name,
      version: b.version,
      description: b.description,
      appVersion: b.app_version,
    });
    return startedWork(c, serializeChart(chart), operation, 202);
  });
}
