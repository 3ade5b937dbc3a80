import type { ServerResponse } from 'node:http';
import type { Context, MiddlewareHandler } from 'hono';
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
const FIXED = Object.entries(fixed);

/**
 * Responses made by `c.json`, with their body text: JSON already, headers not yet turned into a
 * `Headers` object, body still the string @hono/node-server writes directly.
 */
const jsonResponses = new WeakMap<Response, string>();

/**
 * The body of a response `c.json` made, without reading the Response: `res.clone()` would turn
 * @hono/node-server's string-backed response into a real one whose body then goes out as a stream
 * (both the clone and the slower write showed in the create path's profile).
 */
export function jsonBodyOf(res: Response): string | undefined {
  return jsonResponses.get(res);
}

/** The id of what a 201 created (its JSON body's `id`), as the audit and idempotency middleware record it. */
export function createdId(body: string): string | null {
  try {
    const id = (JSON.parse(body) as { id?: unknown } | null)?.id;
    return typeof id === 'string' ? id : null;
  } catch {
    return null;
  }
}

/**
 * Where to put a header every response of this request gets: on the node:http response itself
 * when the request came through @hono/node-server and the answer is a `c.json` one (node merges
 * them into the head it writes), else on `c.res.headers`. Touching `c.res.headers` turns the
 * node server's plain-object headers into a WHATWG `Headers` (undici: every `set` validated), and
 * ~10 `set`s per request after the handler were ~12% of the API's CPU per status poll.
 */
export function responseHeaders(c: Context<AppEnv>): (name: string, value: string) => void {
  const outgoing = (c.env as { outgoing?: ServerResponse } | undefined)?.outgoing;
  if (outgoing && !outgoing.headersSent && jsonResponses.has(c.res))
    return (name, value) => outgoing.setHeader(name, value);
  const h = c.res.headers;
  return (name, value) => h.set(name, value);
}

export function standardHeaders(): MiddlewareHandler<AppEnv> {
  return async function setStandardHeaders(c, next) {
    // Marks what c.json makes (handlers, errors, 404s, 429s), so the headers above can skip `Headers`
    // and the body can be read back (jsonBodyOf). Exactly Hono's c.json, with the text kept.
    const body = c.body as (text: string, arg?: unknown, headers?: Record<string, string>) => Response;
    c.json = ((object: unknown, arg?: unknown, headers?: Record<string, string>) => {
      const text = JSON.stringify(object);
      const res = body(text, arg, { 'Content-Type': 'application/json', ...headers });
      jsonResponses.set(res, text);
      return res;
    }) as unknown as typeof c.json;
    await next();
    const set = responseHeaders(c);
    for (const [k, v] of FIXED) set(k, v);
    if (jsonResponses.has(c.res)) return;
    // JSON everywhere; the exceptions say so themselves: Prometheus text at GET /metrics, the
    // queue board's HTML and assets under /admin/queues, the API reference's under /docs, and the
    // console's pages and assets (apps/api/src/routes/console/static.ts).
    const h = c.res.headers;
    const type = h.get('Content-Type');
    const p = c.req.path;
    if (type && (p.startsWith('/admin/queues') || p.startsWith('/docs') || isConsolePath(p))) return;
    if (!type?.startsWith('text/plain') && !type?.startsWith('text/event-stream'))
      h.set('Content-Type', 'application/json');
  };
}
