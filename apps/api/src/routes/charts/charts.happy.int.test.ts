import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApi, type TestApi, uniqueName } from '../../test-helpers.ts';

let api: TestApi;
beforeAll(async () => {
  api = await createTestApi();
});
afterAll(async () => {
  await api?.close();
});

describe('helm charts: happy paths', () => {
  it('create (validating), get with validator/findings, update, upload content, delete', async () => {
    const name = uniqueName('todo-app');
    const c = await api.call('POST', '/api/helm-charts', {
      token: api.alice.token,
      body: { name, version: '1.0.0', description: 'Todo AI Chatbot Helm chart', app_version: '1.0.0' },
    });
    expect(c.status).toBe(201);
    expect(c.body).toMatchObject({ name, version: '1.0.0', app_version: '1.0.0', status: 'validating' });
    const id = c.body.id as string;
    expect(await api.producer.holds('chart.validate', c.body.operation_id as string)).toBe(true);

    const g = await api.call('GET', `/api/helm-charts/${id}`, { token: api.alice.token });
    expect(g.body).toMatchObject({ id, validator: null, findings: [], has_content: false });

    const u = await api.call('PUT', `/api/helm-charts/${id}`, {
      token: api.alice.token,
      body: { version: '1.0.1', description: 'Updated with security patches' },
    });
    expect(u.status).toBe(202);
    expect(u.body).toMatchObject({
      version: '1.0.1',
      status: 'validating',
      operation_id: expect.any(String),
    });

    const tgz = gzipSync(Buffer.from('not really a tar, the worker judges that'));
    const up = await api.request('PUT', `/api/helm-charts/${id}/content`, {
      token: api.alice.token,
      body: new Uint8Array(tgz),
      headers: { 'Content-Type': 'application/gzip' },
    });
    expect(up.status).toBe(202);
    const upBody = (await up.json()) as Record<string, unknown>;
    expect(upBody).toMatchObject({ has_content: true, content_size: tgz.length, status: 'validating' });
    expect(up.headers.get('Location')).toBe(`/api/operations/${upBody.operation_id}`);

    const list = await api.call<{ total: number }>('GET', `/api/helm-charts?name=${name}`, {
      token: api.alice.token,
    });
    expect(list.body.total).toBe(1);

    const d = await api.call('DELETE', `/api/helm-charts/${id}`, { token: api.alice.token });
    expect(d.status).toBe(200);
    expect(d.body).toEqual({ message: 'Helm chart deleted successfully', id });
    expect((await api.call('GET', `/api/helm-charts/${id}`, { token: api.alice.token })).status).toBe(404);
  });
});
