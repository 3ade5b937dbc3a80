import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApi, type TestApi, uniqueName } from '../../test-helpers.ts';

// Untrusted build sources are refused at the edge with the worker's own rules (build-source):
// internal git hosts (SSRF), paths that leave the build context, option-like hosts and refs.

let api: TestApi;
beforeAll(async () => {
  api = await createTestApi();
});
afterAll(async () => {
  await api?.close();
});

const create = (extra: Record<string, unknown>) =>
  api.call<{ details?: { field: string; issue: string } }>('POST', '/api/container-images', {
    token: api.alice.token,
    body: { name: uniqueName('img'), tag: 'latest', repository: 'docker.io/acme', ...extra },
  });

describe('image sources at the edge', () => {
  it.each([
    'https://169.254.169.254/latest/meta-data',
    'https://127.0.0.1:6379/x.git',
    'https://localhost/acme/app.git',
    'https://[::1]/acme/app.git',
    'https://10.0.0.1/acme/app.git',
    'https://2130706433/acme/app.git',
    'git@192.168.1.20:acme/app.git',
  ])('refuses the internal git host of %s (422 source.git)', async (git) => {
    const r = await create({ source: { git } });
    expect(r.status).toBe(422);
    expect(r.body.details).toMatchObject({
      field: 'source.git',
      issue: expect.stringMatching(/not allowed/),
    });
  });

  it.each([
    [{ dockerfile: '../../../etc/passwd' }, 'dockerfile'],
    [{ dockerfile: '/etc/passwd' }, 'dockerfile'],
    [{ source: { git: 'git@-oProxyCommand=touch:acme/app' } }, 'source'],
    [{ source: { git: 'https://user:token@github.com/acme/app.git' } }, 'source'],
    [{ source: { path: '../outside' } }, 'source'],
  ])('refuses %j (422, what the worker would refuse)', async (extra, field) => {
    const r = await create(extra);
    expect(r.status).toBe(422);
    expect(r.body.details?.field.startsWith(field)).toBe(true);
  });

  it('accepts a public git host and a relative dockerfile', async () => {
    const r = await create({
      source: { git: 'https://github.com/acme/app.git', ref: 'main' },
      dockerfile: 'docker/Dockerfile',
    });
    expect(r.status).toBe(201);
  });
});
