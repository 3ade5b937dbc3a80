import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApi, type TestApi, uniqueName } from '../../test-helpers.ts';

let api: TestApi;
beforeAll(async () => {
  api = await createTestApi();
});
afterAll(async () => {
  await api?.close();
});

describe('container images: happy paths', () => {
  it('creates (201, building) with a queued build operation held by BullMQ', async () => {
    const name = uniqueName('todo-backend');
    const r = await api.call('POST', '/api/container-images', {
      token: api.alice.token,
      body: {
        name,
        tag: 'latest',
        repository: 'docker.io/todo-app',
        description: 'Python FastAPI backend for Todo AI Chatbot',
        source: { git: 'https://example.com/todo.git', ref: 'main', path: 'backend' },
        build_args: { PYTHON_VERSION: '3.12' },
        unknown_field: 'is dropped',
      },
    });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({
      name,
      tag: 'latest',
      repository: 'docker.io/todo-app',
      size: 0,
      status: 'building',
      build_args: { PYTHON_VERSION: '3.12' },
    });
    expect(r.body).not.toHaveProperty('unknown_field');
    const opId = r.body.operation_id as string;
    expect(r.headers.get('Location')).toBe(`/api/operations/${opId}`);
    expect(await api.producer.holds('image.build', opId)).toBe(true);

    const logs = await api.call<{ id: string; lines: { status: string; message: string; at: string }[] }>(
      'GET',
      `/api/container-images/${r.body.id}/logs`,
      { token: api.alice.token },
    );
    expect(logs.status).toBe(200);
    expect(logs.body.id).toBe(r.body.id);
    expect(logs.body.lines[0]).toMatchObject({ status: 'queued', message: 'image.build accepted' });
  });

  it('gets, lists, updates (description at once; tag as an operation) and deletes', async () => {
    const c = await api.call('POST', '/api/container-images', {
      token: api.alice.token,
      body: { name: uniqueName('img'), tag: 'v1', repository: 'docker.io/acme' },
    });
    const id = c.body.id as string;
    const g = await api.call('GET', `/api/container-images/${id}`, { token: api.alice.token });
    expect(g.status).toBe(200);
    expect(g.body).toMatchObject({ id, status: 'building', last_updated: expect.any(String) });

    const l = await api.call<{ items: { id: string }[] }>('GET', '/api/container-images?status=building', {
      token: api.alice.token,
    });
    expect(l.body.items.map((i) => i.id)).toContain(id);

    const d1 = await api.call('PUT', `/api/container-images/${id}`, {
      token: api.alice.token,
      body: { description: 'Updated backend with security patches' },
    });
    expect(d1.status).toBe(200);
    expect(d1.body).toMatchObject({ description: 'Updated backend with security patches' });
    expect(d1.body).not.toHaveProperty('operation_id');

    await api.db.sql`update container_images set status = 'built' where id = ${id}`;
    const retag = await api.call('PUT', `/api/container-images/${id}`, {
      token: api.alice.token,
      body: { tag: 'v1.0.0' },
    });
    expect(retag.status).toBe(202);
    expect(retag.body).toMatchObject({ tag: 'v1.0.0', status: 'building' });
    expect(await api.producer.holds('image.retag', retag.body.operation_id as string)).toBe(true);

    const del = await api.call('DELETE', `/api/container-images/${id}`, { token: api.alice.token });
    expect(del.status).toBe(200);
    expect(del.body).toMatchObject({ message: 'Container image deleted successfully', id });
    expect(del.body.operation_id).toEqual(expect.any(String));
    expect((await api.call('GET', `/api/container-images/${id}`, { token: api.alice.token })).status).toBe(
      404,
    );
  });
});
