import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import type { AppEnv } from '../context.ts';
import { jsonBodyOf, standardHeaders } from './standard-headers.ts';

// standardHeaders re-implements c.json (to keep the body text for jsonBodyOf): it must answer
// exactly what Hono's c.json answers, status, headers and body.
describe('standardHeaders c.json', () => {
  it('answers as Hono does and keeps the body text', async () => {
    let seen: string | undefined;
    const app = new Hono<AppEnv>();
    app.use(standardHeaders());
    app.use(async (c, next) => {
      await next();
      seen = jsonBodyOf(c.res);
    });
    app.post('/x', (c) => {
      c.header('Location', '/x/1');
      return c.json({ id: '1', name: 'é' }, 201, { 'X-Extra': 'yes' });
    });
    app.get('/plain', (c) => c.json([1, 2]));
    app.get('/init', (c) => c.json({ ok: true }, { status: 202, headers: { 'X-Init': '1' } }));

    const r = await app.request('/x', { method: 'POST' });
    expect(r.status).toBe(201);
    expect(r.headers.get('Content-Type')).toBe('application/json');
    expect(r.headers.get('Location')).toBe('/x/1');
    expect(r.headers.get('X-Extra')).toBe('yes');
    expect(r.headers.get('API-Version')).toBeTruthy();
    const text = await r.text();
    expect(text).toBe('{"id":"1","name":"é"}');
    expect(seen).toBe(text);

    const p = await app.request('/plain');
    expect(p.status).toBe(200);
    expect(await p.json()).toEqual([1, 2]);
    expect(seen).toBe('[1,2]');

    const i = await app.request('/init');
    expect(i.status).toBe(202);
    expect(i.headers.get('X-Init')).toBe('1');
    expect(i.headers.get('Content-Type')).toBe('application/json');
  });
});
