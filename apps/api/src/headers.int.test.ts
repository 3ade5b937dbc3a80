import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApi, type TestApi } from './test-helpers.ts';

let api: TestApi;
beforeAll(async () => {
  api = await createTestApi();
});
afterAll(async () => {
  await api?.close();
});

const STANDARD = {
  'content-type': 'application/json',
  'cache-control': 'no-cache, no-store, must-revalidate',
  pragma: 'no-cache',
  expires: '0',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'x-xss-protection': '1; mode=block',
  'api-version': '1.0.0',
};

describe('standard headers and versioning', () => {
  it('every response carries the standard headers, errors and 404s included', async () => {
    const cases: [string, string, string | undefined, unknown][] = [
      ['GET', '/healthz', undefined, undefined],
      ['GET', '/api/deployments', api.alice.token, undefined],
      ['GET', '/api/deployments', undefined, undefined],
      ['GET', '/no/such/route', undefined, undefined],
      ['POST', '/api/deployments', api.alice.token, '{oops'],
      ['GET', `/api/deployments/${crypto.randomUUID()}`, api.alice.token, undefined],
      ['GET', '/api/deployments', api.alice.token, undefined],
    ];
    for (const [method, path, token, body] of cases) {
      const r = await api.request(method, path, { token, body });
      for (const [k, v] of Object.entries(STANDARD))
        expect(r.headers.get(k), `${method} ${path} ${k}`).toBe(v);
      expect(r.headers.get('X-Request-Id')).toBeTruthy();
    }
    const echoed = await api.request('GET', '/healthz', { headers: { 'X-Request-Id': 'trace-123' } });
    expect(echoed.headers.get('X-Request-Id')).toBe('trace-123');
  });

  it('version 1 via /v1 path, Accept header or ?version; anything else is a 400', async () => {
    const ok = [
      api.request('GET', '/v1/api/deployments', { token: api.alice.token }),
      api.request('GET', '/api/deployments', {
        token: api.alice.token,
        headers: { Accept: 'application/vnd.todo.v1+json' },
      }),
      api.request('GET', '/api/deployments?version=1.0.0', { token: api.alice.token }),
      api.request('GET', '/api/deployments?version=v1', { token: api.alice.token }),
    ];
    for (const r of await Promise.all(ok)) expect(r.status).toBe(200);
    const bad = [
      api.request('GET', '/api/deployments', {
        token: api.alice.token,
        headers: { Accept: 'application/vnd.todo.v2+json' },
      }),
      api.request('GET', '/api/deployments?version=2.0.0', { token: api.alice.token }),
      api.request('GET', '/v2/api/deployments', { token: api.alice.token }),
    ];
    for (const r of await Promise.all(bad)) {
      expect(r.status).toBe(400);
      expect(await r.json()).toMatchObject({
        error: 'Invalid request',
        message: 'Unsupported API version',
        details: { field: 'version' },
      });
    }
  });

  it('/v1 list links keep the versioned path', async () => {
    const r = await api.request('GET', '/v1/api/deployments?per_page=5', { token: api.alice.token });
    expect(r.headers.get('Link')).toContain('</v1/api/deployments?per_page=5&page=1>; rel="first"');
  });

  it('through the node server (as main.ts serves it) the same headers arrive as from app.request', async () => {
    // Served by @hono/node-server, c.json answers get these headers on the node response itself
    // (no WHATWG Headers built per request): the client must see exactly what app.request shows.
    const server = serve({ fetch: api.app.fetch, port: 0, hostname: '127.0.0.1' });
    await new Promise<void>((ok) => (server.listening ? ok() : server.once('listening', () => ok())));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const varying = new Set([
      'date',
      'x-request-id',
      'x-ratelimit-remaining',
      'x-ratelimit-reset',
      'connection',
      'keep-alive',
      'content-length',
      'transfer-encoding',
    ]);
    const shape = (h: Headers) =>
      Object.fromEntries([...h].filter(([k]) => !varying.has(k)).sort(([a], [b]) => a.localeCompare(b)));
    try {
      const cases: [string, string, string | undefined, string | undefined][] = [
        ['GET', '/api/deployments', api.alice.token, undefined],
        ['GET', `/api/deployments/${crypto.randomUUID()}`, api.alice.token, undefined],
        ['GET', '/api/deployments', undefined, undefined],
        ['GET', '/no/such/route', undefined, undefined],
        ['POST', '/api/deployments', api.alice.token, '{oops'],
        ['GET', '/healthz', undefined, undefined],
        ['GET', '/metrics', api.admin.token, undefined],
      ];
      for (const [method, path, token, body] of cases) {
        const headers: Record<string, string> = { 'X-Request-Id': 'node-path-1' };
        if (token) headers.Authorization = `Bearer ${token}`;
        if (body) headers['Content-Type'] = 'application/json';
        const viaNode = await fetch(`${base}${path}`, { method, headers, body });
        const viaApp = await api.app.request(path, { method, headers, body });
        await Promise.all([viaNode.arrayBuffer(), viaApp.arrayBuffer()]);
        expect(viaNode.status, `${method} ${path}`).toBe(viaApp.status);
        expect(shape(viaNode.headers), `${method} ${path}`).toEqual(shape(viaApp.headers));
        expect(viaNode.headers.get('x-request-id')).toBe('node-path-1');
        if (path.startsWith('/api/') && token)
          expect(viaNode.headers.get('x-ratelimit-remaining'), `${method} ${path}`).toMatch(/^\d+$/);
        if (path !== '/metrics')
          for (const [k, v] of Object.entries(STANDARD))
            expect(viaNode.headers.get(k), `${method} ${path} ${k}`).toBe(v);
      }
    } finally {
      await new Promise((ok) => server.close(ok));
    }
  });
});
