import { systemRoutes } from '@slipway/contract';
import type { ApiApp } from '../../context.ts';

/** GET /healthz: the process is alive (no token, no dependencies checked). */
export function registerHealth(app: ApiApp): void {
  app.openapi(systemRoutes.healthz, function healthz(c) {
    return c.json({ status: 'ok' as const }, 200);
  });
}
