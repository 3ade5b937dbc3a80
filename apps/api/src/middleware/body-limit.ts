import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { AppEnv } from '../context.ts';
import { errorBody } from '../errors.ts';

export const DEFAULT_BODY_LIMIT = 1024 * 1024;
export const CHART_BODY_LIMIT = 5 * 1024 * 1024;

/** 1 MiB for JSON bodies; 5 MiB for chart uploads (PUT /api/helm-charts/{id}/content). 413 beyond. */
export function bodyLimits(
  opts: { defaultBytes?: number; chartBytes?: number } = {},
): MiddlewareHandler<AppEnv> {
  // The rest of the body is not read, so the connection cannot carry another request: say so
  // (Connection: close) rather than let the client's next request on it fail.
  const tooLarge: Parameters<typeof bodyLimit>[0]['onError'] = (c) =>
    c.json(errorBody(413, 'Request body too large'), 413, { Connection: 'close' });
  const smallMax = opts.defaultBytes ?? DEFAULT_BODY_LIMIT;
  const largeMax = opts.chartBytes ?? CHART_BODY_LIMIT;
  const small = bodyLimit({ maxSize: smallMax, onError: tooLarge });
  const large = bodyLimit({ maxSize: largeMax, onError: tooLarge });
  // Not async: a GET passes straight through (no promise of its own); the rest return hono's.
  return function limitBodySize(c, next) {
    if (c.req.method === 'GET' || c.req.method === 'HEAD') return next();
    const chartUpload = c.req.method === 'PUT' && /^\/api\/helm-charts\/[^/]+\/content$/.test(c.req.path);
    // A Content-Length without Transfer-Encoding decides it, exactly as hono's bodyLimit decides it,
    // but without touching `c.req.raw.body`: on @hono/node-server that builds a WHATWG Request whose
    // body is a web stream, and every later read of the body (idempotency hash, JSON validator) then
    // goes through it instead of node-server's direct read (undici Request + webstreams were ~10% of
    // a create's CPU, issue 10). A chunked body is counted as it streams, by hono's bodyLimit.
    const length = c.req.header('Content-Length');
    if (length !== undefined && c.req.header('Transfer-Encoding') === undefined)
      return Number.parseInt(length, 10) > (chartUpload ? largeMax : smallMax)
        ? Promise.resolve(tooLarge(c))
        : next();
    return (chartUpload ? large : small)(c, next);
  };
}
