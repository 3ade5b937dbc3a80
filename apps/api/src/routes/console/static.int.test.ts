import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApi, type TestApi } from '../../test-helpers.ts';
import { CONSOLE_CSP, isConsolePath } from './static.ts';

// The console's static files, served by the API: pages at / and client routes (one index.html),
// hashed assets, a strict CSP, the standard headers; the JSON API and unknown paths unchanged.

const dir = mkdtempSync(join(tmpdir(), 'console-dist-'));
const INDEX =
  '<!doctype html><html><head><script type="module" src="/assets/index-abc.js"></script></head></html>';
let api: TestApi;
let bare: TestApi;

beforeAll(async () => {
  mkdirSync(join(dir, 'assets'));
  writeFileSync(join(dir, 'index.html'), INDEX);
  writeFileSync(join(dir, 'assets', 'index-abc.js'), 'console.log(1)');
  writeFileSync(join(dir, 'assets', 'index-abc.css'), 'body{}');
  process.env.CONSOLE_DIR = dir;
  api = await createTestApi();
  process.env.CONSOLE_DIR = join(dir, 'missing');
  bare = await createTestApi();
  delete process.env.CONSOLE_DIR;
});
afterAll(async () => {
  await api?.close();
  await bare?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('console static files', () => {
  it('serves index.html at / and every client route, with the CSP and the standard headers', async () => {
    for (const path of [
      '/',
      '/clusters',
      '/clusters/new',
      '/deployments/0b7c2a9e-2f4b-4a0e-9d7f-4d3c2b1a0f9e',
      '/login',
    ]) {
      const r = await api.request('GET', path);
      expect(r.status, path).toBe(200);
      expect(r.headers.get('content-type'), path).toMatch(/^text\/html/);
      expect(await r.text()).toBe(INDEX);
      expect(r.headers.get('content-security-policy')).toBe(CONSOLE_CSP);
      expect(r.headers.get('x-frame-options')).toBe('DENY');
      expect(r.headers.get('x-content-type-options')).toBe('nosniff');
      expect(r.headers.get('api-version')).toBe('1.0.0');
    }
    expect(CONSOLE_CSP).toContain("default-src 'self'");
    expect(CONSOLE_CSP).toContain("script-src 'self'");
    expect(CONSOLE_CSP).not.toContain('unsafe');
  });

  it('serves assets with their types; anything else there is a JSON 404', async () => {
    const js = await api.request('GET', '/assets/index-abc.js');
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(await js.text()).toBe('console.log(1)');
    const css = await api.request('GET', '/assets/index-abc.css');
    expect(css.headers.get('content-type')).toBe('text/css; charset=utf-8');
    for (const path of [
      '/assets/missing.js',
      '/assets/..%2Findex.html',
      '/assets/x.exe',
      '/assets/.hidden.js',
    ]) {
      const r = await api.request('GET', path);
      expect(r.status, path).toBe(404);
      expect(r.headers.get('content-type'), path).toBe('application/json');
    }
  });

  it('leaves the JSON API and unknown paths alone', async () => {
    const unknown = await api.request('GET', '/no/such/route');
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get('content-type')).toBe('application/json');
    expect(await unknown.json()).toMatchObject({ error: 'Not Found' });
    const list = await api.request('GET', '/api/minikube-clusters', { token: api.alice.token });
    expect(list.status).toBe(200);
    expect(list.headers.get('content-type')).toBe('application/json');
    expect(list.headers.get('content-security-policy')).toBeNull();
    for (const p of [
      '/api/deployments',
      '/v1/api/deployments',
      '/docs',
      '/admin/queues',
      '/metrics',
      '/healthz',
    ])
      expect(isConsolePath(p), p).toBe(false);
  });

  it('says so, in JSON, when the console was not built', async () => {
    const r = await bare.request('GET', '/clusters');
    expect(r.status).toBe(404);
    expect(r.headers.get('content-type')).toBe('application/json');
    expect(((await r.json()) as { message: string }).message).toMatch(/npm run build/);
  });
});
