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
  const small = bodyLimit({ maxSize: opts.defaultBytes ?? DEFAULT_BODY_LIMIT, onError: tooLarge });
  const large = bodyLimit({ maxSize: opts.chartBytes ?? CHART_BODY_LIMIT, onError: tooLarge });
  return async function limitBodySize(c, next) {
    if (c.req.method === 'GET' || c.req.method === 'HEAD') return next();
    const chartUpload = c.req.method === 'PUT' && /^\/api\/helm-charts\/[^/]+\/content$/.test(c.req.path);
    return (chartUpload ? large : small)(c, next);
  };
}
