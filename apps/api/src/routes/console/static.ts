import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, extname, join } from 'node:path';
import type { ApiApp } from '../../context.ts';
import { errorBody } from '../../errors.ts';

// The web console (apps/console) is static files built by `npm run build` (or `npm run dev`) into
// apps/console/dist: index.html and hashed assets under /assets. The API serves them itself: the
// page at `/` and at every client route (the SPA fallback), the assets at /assets/*. The JSON API
// keeps its prefixes (/api, /v1, /docs, /admin, /openapi.json, /metrics, /healthz, /readyz); any
// other unknown path stays a JSON 404. Console pages get a strict Content-Security-Policy: scripts,
// styles and connections from this origin only, nothing inline.

export const CONSOLE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
].join('; ');

/** The console's client-side routes: the first path segment of every page it renders. */
export const CONSOLE_PAGES = [
  'login',
  'images',
  'charts',
  'clusters',
  'deployments',
  'services',
  'operations',
  'users',
  'ai',
] as const;

const PAGE_RE = new RegExp(`^/(?:(?:${CONSOLE_PAGES.join('|')})(?:/[^/]*)*)?/?$`);
const ASSET_RE = /^\/assets\/[A-Za-z0-9._-]+$/;

/** True for a path the console answers (a page or an asset), whose response is not JSON. */
export function isConsolePath(path: string): boolean {
  return PAGE_RE.test(path) || ASSET_RE.test(path);
}

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
};

/**
 * Where the built console lives: apps/console/dist beside the @slipway/console package, or
 * CONSOLE_DIR when set (tests build into a private folder, so parallel builds never race).
 */
export function defaultConsoleDir(): string | undefined {
  if (process.env.CONSOLE_DIR) return process.env.CONSOLE_DIR;
  try {
    return join(dirname(createRequire(import.meta.url).resolve('@slipway/console/package.json')), 'dist');
  } catch {
    return undefined;
  }
}

export type ConsoleOptions = { dir?: string | undefined };

export function registerConsole(app: ApiApp, opts: ConsoleOptions = {}): void {
  const dir = opts.dir ?? defaultConsoleDir();
  const notBuilt = () =>
    errorBody(404, 'The console is not built: run `npm run build` (or `npm run dev`) to serve it here');

  // Read per request (a dev build --watch replaces the files); index.html is small.
  const page = async function consolePage(c: import('hono').Context) {
    if (!dir) return c.json(notBuilt(), 404);
    const html = await readFile(join(dir, 'index.html'), 'utf8').catch(() => undefined);
    if (html === undefined) return c.json(notBuilt(), 404);
    return c.html(html, 200, { 'Content-Security-Policy': CONSOLE_CSP, 'Referrer-Policy': 'no-referrer' });
  };

  app.get('/assets/:file{[A-Za-z0-9._-]+}', async function consoleAsset(c) {
    const file = c.req.param('file');
    const type = TYPES[extname(file)];
    if (!dir || !type || file.startsWith('.')) return c.json(errorBody(404, 'Resource not found'), 404);
    const data = await readFile(join(dir, 'assets', file)).catch(() => undefined);
    if (!data) return c.json(errorBody(404, 'Resource not found'), 404);
    return c.body(new Uint8Array(data), 200, {
      'Content-Type': type,
      'Content-Security-Policy': CONSOLE_CSP,
    });
  });
  app.get('/', page);
  for (const p of CONSOLE_PAGES) {
    app.get(`/${p}`, page);
    app.get(`/${p}/*`, page);
  }
}
