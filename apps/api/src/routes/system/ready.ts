import { systemRoutes } from '@slipway/contract';
import { migrationsApplied } from '@slipway/db';
import type { ApiApp, AppDeps } from '../../context.ts';
import { errorBody } from '../../errors.ts';

const CHECK_TIMEOUT_MS = 2000;

function within<T>(p: Promise<T>, ms: number): Promise<T> {
  return Promise.race([
    p,
    new Promise<T>((_, fail) => setTimeout(() => fail(new Error('timeout')), ms).unref()),
  ]);
}

/** GET /readyz: Postgres and Redis reachable and every migration applied; 503 names what failed. */
export function registerReady(app: ApiApp, deps: AppDeps): void {
  app.openapi(systemRoutes.readyz, async function readyz(c) {
    const [postgres, redis, migrations] = await Promise.all([
      within(Promise.resolve(deps.sql`select 1`), CHECK_TIMEOUT_MS).then(
        () => true,
        () => false,
      ),
      within(deps.redis.ping(), CHECK_TIMEOUT_MS).then(
        () => true,
        () => false,
      ),
      within(migrationsApplied(deps.sql), CHECK_TIMEOUT_MS).catch(() => false),
    ]);
    const checks = {
      postgres: postgres ? ('ok' as const) : ('unreachable' as const),
      redis: redis ? ('ok' as const) : ('unreachable' as const),
      migrations: migrations ? ('ok' as const) : postgres ? ('pending' as const) : ('unknown' as const),
    };
    const failed = Object.entries(checks)
      .filter(([, v]) => v !== 'ok')
      .map(([k]) => k);
    if (failed.length === 0) return c.json({ status: 'ready' as const, checks }, 200);
    return c.json(
      { ...errorBody(503, `Not ready: ${failed.join(', ')}`), status: 'not_ready' as const, checks },
      503,
    );
  });
}
