import type { Logger } from '@slipway/core';
import {
  endServerSpan,
  type HttpMetrics,
  isQuietPath,
  requestLineWriter,
  startServerSpan,
} from '@slipway/telemetry';
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
 * Request tracing, metrics and the request log, one place. The HTTP SERVER span is made here (not by
 * the node:http instrumentation, which the API turns off for incoming requests: it cost ~20% of the
 * CPU of a status poll): named by route pattern (bounded cardinality), continuing the caller's W3C
 * trace context, with the stable HTTP semantic-convention attributes; probes and scrapes get none.
 * The log line carries the path without its query string, and never headers or bodies, so tokens
 * and passwords cannot end up in logs.
 */
export function observe(opts: { metrics: HttpMetrics; log: Logger }): MiddlewareHandler<AppEnv> {
  // The line has a fixed shape with no secret in it: written without redaction's copy (logger.ts).
  const writeLine = requestLineWriter(opts.log);
  const finish = (c: Context<AppEnv>, method: string, path: string, route: string, started: number) => {
    const ms = Math.round((performance.now() - started) * 100) / 100;
    const status = c.res.status;
    opts.metrics.record(method, route, status, ms);
    writeLine({
      method,
      path,
      route,
      status,
      ms,
      requestId: c.get('requestId'),
      userId: c.get('user')?.id ?? null,
    });
  };
  return async function observeRequest(c, next) {
    const route = routeLabel(c);
    c.set('route', route);
    const method = c.req.method;
    const path = c.req.path;
    const started = performance.now();
    if (isQuietPath(path)) {
      await next();
      finish(c, method, path, route, started);
      return;
    }
    const server = startServerSpan(`${method} ${route}`, (name) => c.req.header(name), {
      'http.request.method': method,
      'url.path': path,
      'url.scheme': 'http',
      'http.route': route,
      'user_agent.original': c.req.header('user-agent') ?? '',
    });
    // Inside the span's context to the end, so the request log line carries its trace id.
    await server.run(async () => {
      try {
        await next();
      } finally {
        server.span.setAttribute('slipway.request_id', c.get('requestId') ?? '');
        endServerSpan(server.span, c.res.status, c.error);
      }
      finish(c, method, path, route, started);
    });
  };
}
