import { IdempotentReplay, silentLogger } from '@slipway/core';
import { getPath } from 'hono/utils/url';
import type { ApiApp, AppDeps } from './context.ts';
import { errorBody, toHttpError } from './errors.ts';
import { apiVersion } from './middleware/api-version.ts';
import { auditTrail } from './middleware/audit.ts';
import { authenticate } from './middleware/authenticate.ts';
import { bodyLimits } from './middleware/body-limit.ts';
import { idempotency, replayed } from './middleware/idempotency.ts';
import { observe } from './middleware/observe.ts';
import { DEFAULT_RATE_LIMITS, rateLimit } from './middleware/rate-limit.ts';
import { rejectViewerWrites } from './middleware/reject-viewer-writes.ts';
import { requestId } from './middleware/request-id.ts';
import { securityEvents } from './middleware/security-events.ts';
import { standardHeaders } from './middleware/standard-headers.ts';
import { createOpenApiApp } from './openapi.ts';
import { registerRoutes } from './routes/index.ts';

export type { AppDeps, AppEnv, AuthUser, DriverReport, RateLimits } from './context.ts';

/** The Hono app plus `drain()`, which waits for background work (audit writes) to finish. */
export type App = ApiApp & { drain(): Promise<void> };

/** Paths that need no token. Everything else under /api (and /metrics) does. */
export const PUBLIC_API_PATHS: ReadonlySet<string> = new Set(['/api/auth/login', '/api/auth/refresh']);

/** URL versioning: /v1/api/... is routed exactly like /api/... (the version middleware rejects /v2). */
function stripVersionPrefix(req: Request): string {
  const p = getPath(req);
  return /^\/v1(\/|$)/i.test(p) ? p.slice(3) || '/' : p;
}

export function createApp(deps: AppDeps): App {
  const log = deps.log ?? deps.core.log ?? silentLogger;
  const pending = new Set<Promise<unknown>>();
  const track = (p: Promise<unknown>) => {
    pending.add(p);
    void p.finally(() => pending.delete(p));
  };

  const app = createOpenApiApp(stripVersionPrefix);

  // Outermost first: every response, errors and 404s included, passes back through these.
  app.use(requestId());
  app.use(standardHeaders());
  app.use(observe({ metrics: deps.metrics, log }));
  app.use(securityEvents({ core: deps.core, log, track, trustProxy: deps.config.TRUST_PROXY }));
  app.use(apiVersion());
  app.use(bodyLimits({ defaultBytes: deps.bodyLimitBytes, chartBytes: deps.chartBodyLimitBytes }));

  const auth = authenticate({
    core: deps.core,
    secret: deps.config.JWT_SECRET,
    publicPaths: PUBLIC_API_PATHS,
    cacheMs: deps.userCacheMs ?? 5000,
    redis: deps.redis,
    prefix: deps.config.QUEUE_PREFIX,
    trustProxy: deps.config.TRUST_PROXY,
  });
  const limit = rateLimit({
    redis: deps.rateLimitRedis ?? deps.redis,
    prefix: deps.config.QUEUE_PREFIX,
    limits: deps.rateLimits ?? DEFAULT_RATE_LIMITS,
    trustProxy: deps.config.TRUST_PROXY,
  });
  const audit = auditTrail({ core: deps.core, log, track });
  for (const path of ['/api/*', '/metrics']) {
    app.use(path, auth);
    app.use(path, limit);
    app.use(path, audit);
    app.use(path, rejectViewerWrites());
    app.use(path, idempotency({ core: deps.core }));
  }

  registerRoutes(app, deps);

  app.notFound((c) => c.json(errorBody(404, 'Resource not found'), 404));
  app.onError((err, c) => {
    // A verb that claims the Idempotency-Key itself found it answered already: the replay.
    if (err instanceof IdempotentReplay) return replayed(c, err);
    const h = toHttpError(err);
    if (h.status >= 500) log.error({ err, requestId: c.get('requestId') }, 'request failed');
    return c.json(h.body, h.status, h.headers);
  });

  return Object.assign(app, {
    async drain() {
      while (pending.size > 0) await Promise.allSettled([...pending]);
    },
  });
}
