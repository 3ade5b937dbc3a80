import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../context.ts';
import { isConsolePath } from '../routes/console/static.ts';

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
    // queue board's HTML and assets under /admin/queues, the API reference's under /docs, and the
    // console's pages and assets (apps/api/src/routes/console/static.ts).
    const type = h.get('Content-Type');
    const p = c.req.path;
    if (type && (p.startsWith('/admin/queues') || p.startsWith('/docs') || isConsolePath(p))) return;
    if (!type?.startsWith('text/plain') && !type?.startsWith('text/event-stream'))
      h.set('Content-Type', 'application/json');
  };
}
