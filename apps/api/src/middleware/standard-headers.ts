import type { Context, MiddlewareHandler } from 'hono';
import type { AppEnv } from '../context.ts';
import { isConsolePath } from '../routes/console/static.ts';

// The contract's Standard Headers plus API-Version, on every response: successes, errors and 404s.
export const API_VERSION = '1.0.0';

/** The headers every response carries (the bench's feature floor sends the same). */
export const STANDARD_HEADERS: Readonly<Record<string, string>> = {
  'Cache-Control': 'no-cache, no-store, must-revalidate',
  Pragma: 'no-cache',
  Expires: '0',
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'X-XSS-Protection': '1; mode=block',
  'API-Version': API_VERSION,
};
const FIXED = Object.entries(STANDARD_HEADERS);

/** The body text of a response `c.json` made (jsonBodyOf), on the response itself. */
const JSON_TEXT = Symbol('slipway.jsonText');
/** The plain header record a `c.json` response was made with, while it is still the one to be written. */
const HEADER_RECORD = Symbol('slipway.headerRecord');
type Marked = Response & { [JSON_TEXT]?: string; [HEADER_RECORD]?: Record<string, string> };

/**
 * The body of a response `c.json` made, without reading the Response: `res.clone()` would turn
 * @hono/node-server's string-backed response into a real one whose body then goes out as a stream
 * (both the clone and the slower write showed in the create path's profile).
 */
export function jsonBodyOf(res: Response): string | undefined {
  return (res as Marked)[JSON_TEXT];
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
 * @hono/node-server's Response keeps `[status, body, headers]` under a symbol of its own (its
 * `cache`) and writes a response whose headers are still a plain record with one
 * `writeHead(status, record)`. Found once per Response class: null for classes without it
 * (the WHATWG Response of app.request in tests).
 */
const cacheSymbols = new WeakMap<object, symbol | null>();
function cacheSymbolOf(res: Response): symbol | null {
  const ctor = Object.getPrototypeOf(res) as object;
  let sym = cacheSymbols.get(ctor);
  if (sym === undefined) {
    sym = null;
    for (const k of Object.getOwnPropertySymbols(res)) {
      const v = (res as unknown as Record<symbol, unknown>)[k];
      if (k.description === 'cache' && Array.isArray(v) && v.length === 3) sym = k;
    }
    cacheSymbols.set(ctor, sym);
  }
  return sym;
}

/**
 * Where to put a header every response of this request gets. A `c.json` answer served by
 * @hono/node-server still holds the plain record it was made with, which node-server hands to
 * `writeHead` as it is: the header goes into that record (a property store). Otherwise (a
 * response whose headers became a `Headers`, a stream, app.request in tests) on `c.res.headers`.
 * Touching `c.res.headers` turns the plain record into a WHATWG `Headers` (undici: every `set`
 * validated), and ~10 `set`s per request after the handler were ~12% of the API's CPU per status
 * poll; setting them on the node:http response instead (`setHeader`, then node merging them into
 * the head) cost more than the record.
 */
export function responseHeaders(c: Context<AppEnv>): (name: string, value: string) => void {
  const res = c.res as Marked;
  const record = res[HEADER_RECORD];
  if (record !== undefined) {
    const sym = cacheSymbolOf(res);
    const cache = sym ? (res as unknown as Record<symbol, unknown[] | undefined>)[sym] : undefined;
    if (cache?.[2] === record) {
      return (name, value) => {
        // Still the record node-server will write (nothing has read `res.headers` since)?
        if (cache[2] === record) record[name] = value;
        else res.headers.set(name, value);
      };
    }
    res[HEADER_RECORD] = undefined;
  }
  const h = res.headers;
  return (name, value) => h.set(name, value);
}

export function standardHeaders(): MiddlewareHandler<AppEnv> {
  return async function setStandardHeaders(c, next) {
    // Marks what c.json makes (handlers, errors, 404s, 429s), so the headers above can skip `Headers`
    // and the body can be read back (jsonBodyOf). Exactly Hono's c.json, with the text kept.
    const body = c.body as (text: string, arg?: unknown, headers?: Record<string, string>) => Response;
    c.json = ((object: unknown, arg?: unknown, headers?: Record<string, string>) => {
      const text = JSON.stringify(object);
      const record = headers
        ? { 'Content-Type': 'application/json', ...headers }
        : { 'Content-Type': 'application/json' };
      const res = body(text, arg, record) as Marked;
      res[JSON_TEXT] = text;
      // Hono passes a one-header record through to the Response as it is (more, or headers set
      // before with c.header, and it makes a Headers): responseHeaders checks which it got.
      if (!headers) res[HEADER_RECORD] = record;
      return res;
    }) as unknown as typeof c.json;
    await next();
    const set = responseHeaders(c);
    for (const [k, v] of FIXED) set(k, v);
    if (jsonBodyOf(c.res) !== undefined) return;
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
