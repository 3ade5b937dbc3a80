import { deleteChart } from '@slipway/core';
import type { ApiApp, AppDeps } from '../../context.ts';
import { idParam } from '../../validation.ts';

/** DELETE /api/helm-charts/:id: a chart lives only in Slipway's database, so nothing continues afterwards. */
export function registerDeleteChart(app: ApiApp, deps: AppDeps): void {
  app.delete('/api/helm-charts/:id', async function deleteChartRoute(c) {
    const id = idParam(c);
    await deleteChart(deps.core, c.get('actor'), id);
    return c.json({ message: 'Helm chart deleted successfully', id });
  });
}
