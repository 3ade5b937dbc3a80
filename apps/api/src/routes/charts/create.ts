import { createChart } from '@slipway/core';
import { z } from 'zod';
import type { ApiApp, AppDeps } from '../../context.ts';
import { startedWork } from '../../respond.ts';
import { serializeChart } from '../../serializers.ts';
import { freeText, jsonBody, text } from '../../validation.ts';
import { chartName, chartVersion } from './schema.ts';

export const CreateChartBody = z.object({
  name: chartName,
  version: chartVersion,
  description: freeText(2000),
  app_version: text(64).nullable().optional(),
});

/** POST /api/helm-charts: 201, status validating (a chart is scaffolded from the record unless content is uploaded). */
export function registerCreateChart(app: ApiApp, deps: AppDeps): void {
  app.post('/api/helm-charts', async function createChartRoute(c) {
    const b = await jsonBody(c, CreateChartBody);
    const { chart, operation } = await createChart(deps.core, c.get('actor'), {
      name: b.name,
      version: b.version,
      description: b.description,
      appVersion: b.app_version,
    });
    return startedWork(c, serializeChart(chart), operation, 201);
  });
}
