import { systemRoutes } from '@slipway/contract';
import { assertAdmin } from '@slipway/core';
import type { ApiApp, AppDeps } from '../../context.ts';

/** GET /api/system/metrics (admin): request count, average response time, error and success rate. */
export function registerSystemMetrics(app: ApiApp, deps: AppDeps): void {
  app.openapi(systemRoutes.getSystemMetrics, async function systemMetrics(c) {
    assertAdmin(c.get('actor'));
    return c.json(deps.metrics.snapshot(), 200);
  });
}
