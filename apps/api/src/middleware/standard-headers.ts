import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../context.ts';

// The contract's Standard Headers plus API-Version, on every response: successes, errors and 404s.
export const API_VERSION = '1.0.0';

const fixed: Record<string, string> = {
  'Cache-Control': 'no-cache, no-store, must-revalidate',
  Pragma: 'no-cache',
  Expires: '0',
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'X-XSS-Protection': '1; mode=block',
  'API-Version': API_VERSION,
};

export function standardHeaders(): MiddlewareHandler<AppEnv> {
  return async function setStandardHeaders(c, next) {
    await next();
    const h = c.res.headers;
    for (const [k, v] of Object.entries(fixed)) h.set(k, v);
    // JSON everywhere; the exceptions say so themselves: Prometheus text at GET /metrics, the
    // queue board's HTML and assets under /admin/queues, and the API reference's under /docs.
    const type = h.get('Content-Type');
    if (type && (c.req.path.startsWith('/admin/queues') || c.req.path.startsWith('/docs'))) return;
    if (!type?.startsWith('text/plain') && !type?.startsWith('text/event-stream'))
      h.set('Content-Type', 'application/json');
  };
}
