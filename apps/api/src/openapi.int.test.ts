import { readFileSync } from 'node:fs';
import { Validator } from '@seriousme/openapi-schema-validator';
import { buildOpenApiDocument, routes } from '@slipway/contract';
import { OPENAPI_FILE } from '@slipway/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApi, type TestApi } from './test-helpers.ts';

// The document itself: valid OpenAPI 3.1, current with the code, served without a token, and
// naming every route the server answers (and no route it does not). That responses match it is
// checked on every request the suites send (test-helpers.ts -> @slipway/testing openapi-truth).

type Doc = {
  openapi: string;
  paths: Record<string, Record<string, { operationId: string; tags: string[]; security?: unknown[] }>>;
  components: { securitySchemes: Record<string, unknown>; schemas: Record<string, { example?: unknown }> };
};

const committed = readFileSync(OPENAPI_FILE, 'utf8');
const doc = JSON.parse(committed) as Doc;

let api: TestApi;
beforeAll(async () => {
  api = await createTestApi();
});
afterAll(async () => {
  await api?.close();
});

/**
 * The JSON API: /api plus the probes and the Prometheus text. Everything else the server answers is
 * a UI (the console's pages and assets, the queue board, the API reference and its document).
 */
const API = /^\/(api|metrics|healthz|readyz)(\/|$)/;

describe('OpenAPI document', () => {
  it('validates as OpenAPI 3.1 with a standard validator', async () => {
    const v = new Validator();
    const r = await v.validate(structuredClone(doc) as never);
    expect(r.errors ?? []).toEqual([]);
    expect(r.valid).toBe(true);
    expect(v.version).toBe('3.1');
  });

  it('the committed docs/openapi.json is what the code generates (npm run openapi)', () => {
    expect(committed).toBe(`${JSON.stringify(buildOpenApiDocument(routes), null, 2)}\n`);
  });

  it('is served at /openapi.json and /v1/openapi.json without a token', async () => {
    for (const path of ['/openapi.json', '/v1/openapi.json']) {
      const r = await api.app.request(path);
      expect(r.status, path).toBe(200);
      expect(r.headers.get('Content-Type')).toContain('application/json');
      expect(r.headers.get('X-Content-Type-Options')).toBe('nosniff');
      expect(await r.json()).toEqual(doc);
    }
  });

  it('names every route the server answers, and only those', () => {
    const served = new Set<string>();
    for (const r of api.app.routes) {
      if (r.method === 'ALL' || !API.test(r.path)) continue;
      served.add(`${r.method} ${r.path.replace(/:(\w+)/g, '{$1}')}`);
    }
    const documented = new Set<string>();
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const method of Object.keys(ops)) documented.add(`${method.toUpperCase()} ${path}`);
    }
    expect([...served].filter((r) => !documented.has(r)).sort(), 'served but not documented').toEqual([]);
    expect([...documented].filter((r) => !served.has(r)).sort(), 'documented but not served').toEqual([]);
  });

  it('stable operationIds, one tag each, Bearer security unless public, the contract examples', () => {
    const ids = new Set<string>();
    for (const ops of Object.values(doc.paths)) {
      for (const op of Object.values(ops)) {
        expect(ids.has(op.operationId), op.operationId).toBe(false);
        ids.add(op.operationId);
        expect(op.tags).toHaveLength(1);
      }
    }
    for (const id of [
      'createContainerImage',
      'getContainerImage',
      'createHelmChart',
      'startMinikubeCluster',
      'stopMinikubeCluster',
      'restartMinikubeCluster',
      'createDeployment',
      'scaleDeployment',
      'createService',
      'aiDeploy',
      'aiScale',
      'aiDebug',
      'aiAnalyze',
      'login',
      'listOperations',
      'uploadHelmChartContent',
      'getContainerImageLogs',
      'getSystemQueues',
    ]) {
      expect(ids.has(id), id).toBe(true);
    }
    expect(doc.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(doc.paths['/api/auth/login']?.post?.security).toEqual([]);
    expect(doc.components.schemas.CreateImage?.example).toMatchObject({ name: 'todo-backend' });
    expect(doc.components.schemas.Error?.example).toMatchObject({ error: 'Not Found' });
  });

  it('GET /docs is an API reference served from Slipway itself, under a strict CSP', async () => {
    const page = await api.app.request('/docs');
    expect(page.status).toBe(200);
    expect(page.headers.get('Content-Type')).toContain('text/html');
    const csp = page.headers.get('Content-Security-Policy') ?? '';
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(page.headers.get('X-Frame-Options')).toBe('DENY');
    const html = await page.text();
    expect(html).not.toMatch(/https?:\/\//);
    const scripts = [...html.matchAll(/<script src="([^"]+)"/g)].map((m) => m[1] ?? '');
    const styles = [...html.matchAll(/<link rel="stylesheet" href="([^"]+)"/g)].map((m) => m[1] ?? '');
    expect(scripts.length).toBe(3);
    expect(/<script>/.test(html)).toBe(false);
    for (const src of [...scripts, ...styles]) {
      const r = await api.app.request(src);
      expect(r.status, src).toBe(200);
      expect(r.headers.get('Content-Type'), src).toMatch(src.endsWith('.css') ? /text\/css/ : /javascript/);
      expect((await r.arrayBuffer()).byteLength, src).toBeGreaterThan(100);
    }
    expect(await (await api.app.request('/docs/assets/init.js')).text()).toContain('"/openapi.json"');
    expect((await api.app.request('/docs/assets/..%2fpackage.json')).status).toBe(404);
  });
});
