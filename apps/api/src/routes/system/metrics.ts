import { assertAdmin } from '@slipway/core';
import type { ApiApp, AppDeps } from '../../context.ts';

/** GET /api/system/metrics (admin): request count, average response time, error and success rate. */
export function registerSystemMetrics(app: ApiApp, deps: AppDeps): void {
  app.get('/api/system/metrics', async function systemMetrics(c) {
    assertAdmin(c.get('actor'));
    return c.json(deps.metrics.snapshot());
  });
}
