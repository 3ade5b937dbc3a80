import { gzipSync } from 'node:zlib';
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

describe('helm charts: security', () => {
  it("another user's chart is a 404, content upload included", async () => {
    expect((await api.call('GET', `/api/helm-charts/${chartId}`, { token: api.bob.token })).status).toBe(404);
    const up = await api.request('PUT', `/api/helm-charts/${chartId}/content`, {
      token: api.bob.token,
      body: new Uint8Array(gzipSync(Buffer.from('x'))),
      headers: { 'Content-Type': 'application/gzip' },
    });
    expect(up.status).toBe(404);
    expect((await api.call('DELETE', `/api/helm-charts/${chartId}`, { token: api.bob.token })).status).toBe(
      404,
    );
  });

  it('the chart bytes are never returned', async () => {
    const g = await api.call('GET', `/api/helm-charts/${chartId}`, { token: api.alice.token });
    expect(g.body).not.toHaveProperty('content');
  });

  it('viewers cannot upload', async () => {
    const up = await api.request('PUT', `/api/helm-charts/${chartId}/content`, {
      token: api.viewer.token,
      body: new Uint8Array(gzipSync(Buffer.from('x'))),
      headers: { 'Content-Type': 'application/gzip' },
    });
    expect(up.status).toBe(403);
  });
});
