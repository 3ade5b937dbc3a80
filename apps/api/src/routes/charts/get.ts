import { getChart } from '@slipway/core';
import type { ApiApp, AppDeps } from '../../context.ts';
import { serializeChart } from '../../serializers.ts';
import { idParam } from '../../validation.ts';

/** GET /api/helm-charts/:id: includes `validator` and `findings` from the last validation. */
export function registerGetChart(app: ApiApp, deps: AppDeps): void {
  app.get('/api/helm-charts/:id', async function getChartRoute(c) {
    return c.json(serializeChart(await getChart(deps.core, c.get('actor'), idParam(c))));
  });
}
