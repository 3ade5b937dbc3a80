import { listCharts } from '@slipway/core';
import { chartStatuses } from '@slipway/db';
import type { ApiApp, AppDeps } from '../../context.ts';
import { listResponse, parsePageQuery } from '../../pagination.ts';
import { serializeChart } from '../../serializers.ts';

export function registerListCharts(app: ApiApp, deps: AppDeps): void {
  app.get('/api/helm-charts', async function listChartsRoute(c) {
    const page = await listCharts(deps.core, c.get('actor'), parsePageQuery(c, chartStatuses));
    return listResponse(c, page, serializeChart);
  });
}
