import { chartRoutes } from '@slipway/contract';
import { createChart } from '@slipway/core';
import type { ApiApp, AppDeps } from '../../context.ts';
import { withJsonBody } from '../../openapi.ts';
import { startedWork } from '../../respond.ts';
import { serializeChart } from '../../serializers.ts';

/** POST /api/helm-charts: 201, status validating (a chart is scaffolded from the record unless content is uploaded). */
export function registerCreateChart(app: ApiApp, deps: AppDeps): void {
  app.openapi(withJsonBody(chartRoutes.createHelmChart), async function createChartRoute(c) {
    const b = c.req.valid('json');
    const { chart, operation } = await createChart(deps.core, c.get('actor'), {
      name: b.name,
      version: b.version,
      description: b.description,
      appVersion: b.app_version,
    });
    return startedWork(c, serializeChart(chart), operation, 201);
  });
}
