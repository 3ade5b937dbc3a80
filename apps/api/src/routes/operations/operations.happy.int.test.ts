import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApi, type TestApi, uniqueName } from '../../test-helpers.ts';

let api: TestApi;
beforeAll(async () => {
  api = await createTestApi();
});
afterAll(async () => {
  await api?.close();
});

describe('operations', () => {
  it('get shows the contract fields and events; cancel moves it to cancelled; a second cancel is 409', async () => {
    const img = await api.call('POST', '/api/container-images', {
      token: api.alice.token,
      body: { name: uniqueName('op'), repository: 'docker.io/acme' },
    });
    const opId = img.body.operation_id as string;
    const op = await api.call('GET', `/api/operations/${opId}`, { token: api.alice.token });
    expect(op.status).toBe(200);
    expect(op.body).toMatchObject({
      id: opId,
      kind: 'image.build',
      resource_type: 'container_image',
      resource_id: img.body.id,
      status: 'queued',
      attempts: 0,
      progress: 0,
      error: null,
      started_at: null,
      finished_at: null,
      events: [{ status: 'queued', message: 'image.build accepted', at: expect.any(String) }],
    });
    expect(op.body.created_at).toEqual(expect.any(String));

    const c = await api.call('POST', `/api/operations/${opId}/cancel`, { token: api.alice.token });
    expect(c.status).toBe(200);
    expect(c.body).toMatchObject({ id: opId, status: 'cancelled' });
    expect(await api.producer.holds('image.build', opId)).toBe(false);
    const again = await api.call('POST', `/api/operations/${opId}/cancel`, { token: api.alice.token });
    expect(again.status).toBe(409);
    const image = await api.call('GET', `/api/container-images/${img.body.id}`, { token: api.alice.token });
    expect(image.body).toMatchObject({ status: 'failed' });
  });

  it('lists by resource and status with pagination; others see none', async () => {
    const img = await api.call('POST', '/api/container-images', {
      token: api.alice.token,
      body: { name: uniqueName('op'), repository: 'docker.io/acme' },
    });
    const list = await api.call<{ items: { id: string }[]; total: number }>(
      'GET',
      `/api/operations?resource_id=${img.body.id}&status=queued&per_page=1`,
      { token: api.alice.token },
    );
    expect(list.status).toBe(200);
    expect(list.body.total).toBe(1);
    expect(list.headers.get('X-Total-Count')).toBe('1');
    expect(list.body.items[0]?.id).toBe(img.body.operation_id);
    const bob = await api.call<{ total: number }>('GET', `/api/operations?resource_id=${img.body.id}`, {
      token: api.bob.token,
    });
    expect(bob.body.total).toBe(0);
    expect(
      (await api.call('GET', `/api/operations/${img.body.operation_id}`, { token: api.bob.token })).status,
    ).toBe(404);
    expect(
      (await api.call('GET', '/api/operations?resource_id=nope', { token: api.alice.token })).status,
    ).toBe(422);
    expect(
      (await api.call('GET', '/api/operations?kind=drop.table', { token: api.alice.token })).status,
    ).toBe(422);
  });
});
