import { updateChart } from '@slipway/core';
import { z } from 'zod';
import type { ApiApp, AppDeps } from '../../context.ts';
import { startedWork } from '../../respond.ts';
import { serializeChart } from '../../serializers.ts';
import { freeText, idParam, jsonBody, text } from '../../validation.ts';
import { chartName, chartVersion } from './schema.ts';

export const UpdateChartBody = z.object({
  name: chartName.optional(),
  version: chartVersion.optional(),
  description: freeText(2000),
  app_version: text(64).nullable().optional(),
});

/** PUT /api/helm-charts/:id: any change re-validates the chart (202 + operation). */
export function registerUpdateChart(app: ApiApp, deps: AppDeps): void {
  app.put('/api/helm-charts/:id', async function updateChartRoute(c) {
    const id = idParam(c);
    const b = await jsonBody(c, UpdateChartBody);
    const { chart, operation } = await updateChart(deps.core, c.get('actor'), id, {
      name: b.name,
      version: b.version,
      description: b.description,
      appVersion: b.app_version,
    });
    return startedWork(c, serializeChart(chart), operation, 202);
  });
}
