import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApi, type TestApi, uniqueName } from '../../test-helpers.ts';

let api: TestApi;
let chartId: string;
beforeAll(async () => {
  api = await createTestApi();
  const c = await api.call('POST', '/api/helm-charts', {
    token: api.alice.token,
    body: { name: uniqueName('chart'), version: '1.0.0' },
  });
  chartId = c.body.id as string;
});
afterAll(async () => {
  await api?.close();
});

describe('helm charts: errors', () => {
  it('422 first bad field; 409 duplicate name+version', async () => {
    const v = await api.call('POST', '/api/helm-charts', {
      token: api.alice.token,
      body: { name: 'x', version: 'one' },
    });
    expect(v.status).toBe(422);
    expect(v.body).toMatchObject({ details: { field: 'version' } });
    const name = uniqueName('d');
    const a = await api.call('POST', '/api/helm-charts', {
      token: api.alice.token,
      body: { name, version: '1.0.0' },
    });
    const b = await api.call('POST', '/api/helm-charts', {
      token: api.alice.token,
      body: { name, version: '1.0.0' },
    });
    expect(b.status).toBe(409);
    expect(b.body).toMatchObject({ error: 'Conflict', id: a.body.id });
  });

  it('content: wrong type 400, not gzip 422, over 5 MiB 413', async () => {
    const wrongType = await api.request('PUT', `/api/helm-charts/${chartId}/content`, {
      token: api.alice.token,
      body: 'abc',
      headers: { 'Content-Type': 'text/plain' },
    });
    expect(wrongType.status).toBe(400);
    const notGzip = await api.request('PUT', `/api/helm-charts/${chartId}/content`, {
      token: api.alice.token,
      body: new Uint8Array([1, 2, 3]),
      headers: { 'Content-Type': 'application/octet-stream' },
    });
    expect(notGzip.status).toBe(422);
    const big = new Uint8Array(5 * 1024 * 1024 + 10);
    big[0] = 0x1f;
    big[1] = 0x8b;
    const tooBig = await api.request('PUT', `/api/helm-charts/${chartId}/content`, {
      token: api.alice.token,
      body: big,
      headers: { 'Content-Type': 'application/gzip' },
    });
    expect(tooBig.status).toBe(413);
    expect(await tooBig.json()).toMatchObject({ error: 'Payload Too Large' });
  });
});
