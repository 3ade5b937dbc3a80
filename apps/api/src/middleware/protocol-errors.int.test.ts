import http, { type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import { serve } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApi, type TestApi } from '../test-helpers.ts';
import { answerProtocolErrors } from './protocol-errors.ts';

let api: TestApi;
let server: Server;
let port: number;
beforeAll(async () => {
  api = await createTestApi({ bodyLimitBytes: 1024 });
  server = await new Promise<Server>((ok) => {
    const s = serve({ fetch: api.app.fetch, port: 0, hostname: '127.0.0.1' }, () => ok(s as Server));
  });
  answerProtocolErrors(server);
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  server?.closeAllConnections();
  await new Promise((ok) => server?.close(ok));
  await api?.close();
});

/** Sends raw bytes, returns everything the server wrote before closing. */
function raw(bytes: string): Promise<string> {
  return new Promise((ok, fail) => {
    const chunks: Buffer[] = [];
    const s = net.connect(port, '127.0.0.1', () => s.write(bytes));
    s.on('data', (d) => chunks.push(d));
    s.on('end', () => ok(Buffer.concat(chunks).toString('utf8')));
    s.on('error', fail);
  });
}

function parse(response: string) {
  const [head = '', body = ''] = response.split('\r\n\r\n');
  const [statusLine, ...headerLines] = head.split('\r\n');
  const headers = Object.fromEntries(
    headerLines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]),
  );
  return { statusLine, headers, body: JSON.parse(body) as unknown };
}

describe('protocol errors', () => {
  it('a malformed request gets a 400 in the contract shape with the standard headers', async () => {
    const r = parse(await raw('THIS IS NOT HTTP\r\n\r\n'));
    expect(r.statusLine).toBe('HTTP/1.1 400 Bad Request');
    expect(r.body).toEqual({ error: 'Invalid request', message: 'Malformed HTTP request' });
    expect(r.headers).toMatchObject({
      'content-type': 'application/json',
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'DENY',
      'api-version': '1.0.0',
      connection: 'close',
    });
    expect(r.headers['x-request-id']).toBeTruthy();
  });

  it('headers past the limit get a 431 in the contract shape', async () => {
    const r = parse(await raw(`GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`));
    expect(r.statusLine).toBe('HTTP/1.1 431 Request Header Fields Too Large');
    expect(r.body).toEqual({
      error: 'Request Header Fields Too Large',
      message: 'Request headers too large',
    });
    expect(r.headers['cache-control']).toBe('no-cache, no-store, must-revalidate');
  });

  it('after a 413 the connection says it closes, so the next request on a keep-alive client works', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const send = (body: string) =>
      new Promise<{ status: number; connection: string | undefined }>((ok, fail) => {
        const req = http.request(
          {
            host: '127.0.0.1',
            port,
            agent,
            method: 'POST',
            path: '/api/container-images',
            headers: { Authorization: `Bearer ${api.alice.token}`, 'Content-Type': 'application/json' },
          },
          (res) => {
            res.resume();
            res.on('end', () => ok({ status: res.statusCode ?? 0, connection: res.headers.connection }));
          },
        );
        req.on('error', fail);
        req.end(body);
      });
    const big = await send(
      JSON.stringify({ name: 'x', repository: 'docker.io/acme', description: 'y'.repeat(200_000) }),
    );
    expect(big).toEqual({ status: 413, connection: 'close' });
    const next = await send(JSON.stringify({ name: 'after-413', repository: 'docker.io/acme' }));
    expect(next.status).toBe(201);
    agent.destroy();
  });

  it('a chunked body (no Content-Length) is counted as it streams: 413 past the limit, 201 under it', async () => {
    const send = (parts: string[]) =>
      new Promise<{ status: number; chunked: boolean }>((ok, fail) => {
        const req = http.request(
          {
            host: '127.0.0.1',
            port,
            method: 'POST',
            path: '/api/container-images',
            headers: { Authorization: `Bearer ${api.alice.token}`, 'Content-Type': 'application/json' },
          },
          (res) => {
            res.resume();
            res.on('end', () =>
              ok({ status: res.statusCode ?? 0, chunked: req.getHeader('content-length') === undefined }),
            );
          },
        );
        req.on('error', fail);
        for (const p of parts) req.write(p);
        req.end();
      });
    const body = JSON.stringify({
      name: 'chunked',
      repository: 'docker.io/acme',
      description: 'y'.repeat(3000),
    });
    expect(await send([body.slice(0, 1000), body.slice(1000)])).toEqual({ status: 413, chunked: true });
    const fits = JSON.stringify({ name: 'chunked-ok', repository: 'docker.io/acme' });
    expect(await send([fits.slice(0, 10), fits.slice(10)])).toEqual({ status: 201, chunked: true });
  });
});
