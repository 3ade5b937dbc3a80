import { systemRoutes } from '@slipway/contract';
import { assertAdmin } from '@slipway/core';
import type { ApiApp, AppDeps } from '../../context.ts';

/** GET /api/system/drivers (admin): DRIVER as configured and what each driver reports. */
export function registerSystemDrivers(app: ApiApp, deps: AppDeps): void {
  app.openapi(systemRoutes.getSystemDrivers, async function systemDrivers(c) {
    assertAdmin(c.get('actor'));
    const drivers = deps.driversReport ? await deps.driversReport() : [];
    return c.json({ driver: deps.config.DRIVER, recorded: deps.core.driver, drivers }, 200);
  });
}
