import type { Logger } from '@slipway/core';
import { annotateSpan, type HttpMetrics, nameServerSpan, withSpan } from '@slipway/telemetry';
import type { Context, MiddlewareHandler } from 'hono';
import { matchedRoutes } from 'hono/route';
import type { AppEnv } from '../context.ts';

/** The route pattern that will answer (e.g. /api/deployments/:id), or "unmatched" for 404s. */
export function routeLabel(c: Context<AppEnv>): string {
  const routes = matchedRoutes(c);
  for (let i = routes.length - 1; i >= 0; i--) {
    const r = routes[i];
    if (r && r.method !== 'ALL') return r.path;
  }
  return 'unmatched';
}

/**
 * Request tracing, metrics and the request log, one place. The span is named by route pattern
 * (bounded cardinality); the log line carries the path without its query string, and never
 * headers or bodies, so tokens and passwords cannot end up in logs.
 */
export function observe(opts: { metrics: HttpMetrics; log: Logger }): MiddlewareHandler<AppEnv> {
  return async function observeRequest(c, next) {
    const route = routeLabel(c);
    c.set('route', route);
    const method = c.req.method;
    const started = performance.now();
    // The HTTP server span (node:http instrumentation) learns the route pattern it answered.
    nameServerSpan(method, route);
    await withSpan(
      `HTTP ${method} ${route}`,
      { 'http.request.method': method, 'http.route': route, 'url.path': c.req.path },
      async () => {
        await next();
        annotateSpan({
          'http.response.status_code': c.res.status,
          'slipway.request_id': c.get('requestId') ?? '',
        });
      },
    );
    const ms = Math.round((performance.now() - started) * 100) / 100;
    opts.metrics.record(method, route, c.res.status, ms);
    const line = {
      method,
      path: c.req.path,
      route,
      status: c.res.status,
      ms,
      requestId: c.get('requestId'),
      userId: c.get('user')?.id ?? null,
    };
    if (c.res.status >= 500) opts.log.error(line, 'request');
    else opts.log.info(line, 'request');
  };
}
