import { systemRoutes } from '@slipway/contract';
import { assertAdmin } from '@slipway/core';
import type { ApiApp, AppDeps } from '../../context.ts';

/** GET /metrics (admin token): the same counters as Prometheus text exposition. */
export function registerPrometheus(app: ApiApp, deps: AppDeps): void {
  app.openapi(systemRoutes.getPrometheusMetrics, async function prometheusMetrics(c) {
    assertAdmin(c.get('actor'));
    return c.text(deps.metrics.prometheus(), 200, { 'Content-Type': 'text/plain; version=0.0.4' });
  });
}
