import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { buildOpenApiDocument, routes } from '@slipway/contract';
import type { ApiApp } from '../../context.ts';

// The API describes itself: GET /openapi.json (also /v1/openapi.json) is the OpenAPI 3.1 document
// generated from @slipway/contract's route declarations, the same objects the routes validate
// with; GET /docs is Swagger UI rendering it. Every asset ships in the swagger-ui-dist package and
// is served from here (no CDN), with a script file instead of an inline one so the page can keep a
// strict Content-Security-Policy.

export const DOCS_PATH = '/docs';
export const OPENAPI_PATH = '/openapi.json';

const ASSETS: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'swagger-ui-standalone-preset.js': 'text/javascript; charset=utf-8',
  'favicon-32x32.png': 'image/png',
};

const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  // Swagger UI sets style attributes on its elements.
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Slipway API reference</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" type="image/png" href="${DOCS_PATH}/assets/favicon-32x32.png">
<link rel="stylesheet" href="${DOCS_PATH}/assets/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="${DOCS_PATH}/assets/swagger-ui-bundle.js"></script>
<script src="${DOCS_PATH}/assets/swagger-ui-standalone-preset.js"></script>
<script src="${DOCS_PATH}/assets/init.js"></script>
</body>
</html>
`;

const INIT = `window.ui = SwaggerUIBundle({
  url: ${JSON.stringify(OPENAPI_PATH)},
  dom_id: '#swagger-ui',
  deepLinking: true,
  persistAuthorization: false,
  presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
  layout: 'StandaloneLayout',
});
`;

function swaggerDir(): string {
  return dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
}

/**
 * Weakly cached bytes: kept while a GC finds them still in use or has not run, rebuilt after. The
 * document (~170 KB of JSON) and Swagger UI's files (~2 MB) are asked for now and then, by a
 * browser opening /docs or a client generator: an idle API should not hold them for good.
 */
type Bytes = Uint8Array<ArrayBuffer>;
const bytesOf = (b: Buffer<ArrayBuffer>): Bytes => new Uint8Array(b.buffer, b.byteOffset, b.byteLength);

function weakCache<K>(): (key: K, load: () => Promise<Bytes> | Bytes) => Promise<Bytes> {
  const refs = new Map<K, WeakRef<Bytes>>();
  return async (key, load) => {
    const hit = refs.get(key)?.deref();
    if (hit) return hit;
    const bytes = await load();
    refs.set(key, new WeakRef(bytes));
    return bytes;
  };
}

const documents = weakCache<'openapi'>();

/** The document as JSON bytes, generated from the route declarations (it only changes with the code). */
export function openApiJson(): Promise<Bytes> {
  return documents('openapi', () => bytesOf(Buffer.from(JSON.stringify(buildOpenApiDocument(routes)))));
}

export function registerApiReference(app: ApiApp): void {
  const dir = swaggerDir();
  const assets = weakCache<string>();

  app.get(OPENAPI_PATH, async function openApiDocument(c) {
    return c.body(await openApiJson(), 200, { 'Content-Type': 'application/json' });
  });
  app.get(DOCS_PATH, function apiReference(c) {
    return c.html(PAGE, 200, { 'Content-Security-Policy': CSP });
  });
  // init.js is answered here, not by a route of its own: a static route beside `:file` at the same
  // level is a pattern Hono's RegExpRouter refuses, which left the whole API on the slower trie router.
  app.get(`${DOCS_PATH}/assets/:file`, async function swaggerAsset(c) {
    const file = c.req.param('file');
    if (file === 'init.js') return c.body(INIT, 200, { 'Content-Type': 'text/javascript; charset=utf-8' });
    const type = ASSETS[file];
    if (!type) return c.notFound();
    const data = await assets(file, async () => bytesOf(await readFile(join(dir, file))));
    return c.body(data, 200, { 'Content-Type': type });
  });
}
