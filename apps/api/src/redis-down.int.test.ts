import { createServer } from 'node:net';
import { createProducer } from '@slipway/jobs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApi, type TestApi } from './test-helpers.ts';

let api: TestApi;
beforeAll(async () => {
  // A port nobody listens on: bind, read the port, close.
  const port = await new Promise<number>((ok) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => ok(typeof a === 'object' && a ? a.port : 1));
    });
  });
  const producer = createProducer({ redisUrl: `redis://127.0.0.1:${port}`, prefix: 'down' });
  api = await createTestApi({ producer });
});
afterAll(async () => {
  await api?.close();
});

describe('Redis unavailable', () => {
  it('authenticated requests answer 503 in the contract shape (fast: no offline queue); readyz names redis', async () => {
    const r = await api.call('GET', '/api/deployments', { token: api.alice.token });
    expect(r.status).toBe(503);
    expect(r.body).toMatchObject({ error: 'Service Unavailable' });
    expect(r.headers.get('Retry-After')).toBeTruthy();
    const ready = await api.call('GET', '/readyz');
    expect(ready.status).toBe(503);
    expect(ready.body).toMatchObject({
      error: 'Service Unavailable',
      checks: { postgres: 'ok', redis: 'unreachable' },
    });
    expect((await api.call('GET', '/healthz')).status).toBe(200);
  });
});
