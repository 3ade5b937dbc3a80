import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApi, TEST_PASSWORD, type TestApi } from '../../test-helpers.ts';

const basic = (email: string, password: string) =>
  `Basic ${Buffer.from(`${email}:${password}`).toString('base64')}`;

describe('queue board (bull-board) at /admin/queues', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await createTestApi();
  });
  afterAll(() => api.close());

  it('asks for credentials and refuses non-admins', async () => {
    const none = await api.request('GET', '/admin/queues');
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/^Basic/);
    const operator = await api.request('GET', '/admin/queues', {
      headers: { Authorization: basic(api.alice.email, TEST_PASSWORD) },
    });
    expect(operator.status).toBe(401);
    const wrong = await api.request('GET', '/admin/queues', {
      headers: { Authorization: basic(api.admin.email, 'nope-nope') },
    });
    expect(wrong.status).toBe(401);
  });

  it('serves the board and the queues to an admin', async () => {
    const auth = { Authorization: basic(api.admin.email, TEST_PASSWORD) };
    const page = await api.request('GET', '/admin/queues', { headers: auth });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    const html = await page.text();
    expect(html).toMatch(/Slipway queues|bull/i);
    // Its script bundle is served from the bull-board UI package.
    const script = /src="([^"]+\.js)"/.exec(html)?.[1];
    expect(script).toBeTruthy();
    const asset = await api.request('GET', new URL(script ?? '', 'http://x/admin/queues/').pathname, {
      headers: auth,
    });
    expect(asset.status).toBe(200);
    expect(asset.headers.get('content-type')).toMatch(/javascript/);
    const queues = await api.request('GET', '/admin/queues/api/queues', { headers: auth });
    expect(queues.status).toBe(200);
    const body = (await queues.json()) as { queues: { name: string }[] };
    expect(body.queues.map((q) => q.name).sort()).toEqual([
      'ai',
      'charts',
      'clusters',
      'deployments',
      'images',
      'services',
    ]);
  });
});
