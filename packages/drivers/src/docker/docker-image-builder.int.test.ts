// Real Docker engine (DOCKER_HOST or the local socket). No registry is needed: images are FROM scratch with
// Debian's static busybox copied in at test time (the binary is never committed).
import { randomUUID } from 'node:crypto';
import { copyFile, cp, mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Dockerode from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ImageSpec, OpContext } from '../types.ts';
import { DockerImageBuilder, IMAGE_ID_LABEL } from './docker-image-builder.ts';

const fixtures = resolve(import.meta.dirname, '../../test-fixtures/docker');
const probe = await DockerImageBuilder.probe();
if (!probe.reachable) {
  console.warn(`[docker int tests] SKIPPED: Docker engine not reachable (${probe.detail ?? 'no detail'})`);
}

function context(signal = new AbortController().signal): OpContext & { lines: string[]; percents: number[] } {
  const lines: string[] = [];
  const percents: number[] = [];
  return {
    operationId: randomUUID(),
    attempt: 1,
    signal,
    log: (m) => lines.push(m),
    progress: (p) => percents.push(p),
    lines,
    percents,
  };
}

describe.skipIf(!probe.reachable)('DockerImageBuilder (real engine)', () => {
  const docker = new Dockerode();
  const suffix = randomUUID().slice(0, 8);
  const repository = 'slipway-test';
  const created: string[] = [];
  let root: string;
  let builder: DockerImageBuilder;

  const spec = (over: Partial<ImageSpec>): ImageSpec => ({
    id: randomUUID(),
    name: `busybox-${suffix}`,
    tag: 'v1',
    repository,
    ...over,
  });

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'slipway-ctx-root-'));
    await cp(join(fixtures, 'busybox'), join(root, 'busybox'), { recursive: true });
    await copyFile('/bin/busybox', join(root, 'busybox', 'busybox'));
    await cp(join(fixtures, 'broken'), join(root, 'broken'), { recursive: true });
    await symlink('/etc', join(root, 'escape'));
    builder = new DockerImageBuilder({ docker, buildContextRoot: root });
  });

  afterAll(async () => {
    for (const ref of created)
      await docker
        .getImage(ref)
        .remove({ force: true })
        .catch(() => {});
    await rm(root, { recursive: true, force: true });
  });

  it('probes the engine version', () => {
    expect(probe.version).toMatch(/^\d+\.\d+/);
  });

  it('builds a FROM scratch image, streams the build log and reports inspect facts', async () => {
    const ctx = context();
    const s = spec({ source: { path: 'busybox' }, buildArgs: { GREETING: 'ahoy' } });
    const ref = `${repository}/${s.name}:v1`;
    created.push(ref);
    const result = await builder.build(s, ctx);

    expect(result.imageId).toMatch(/^sha256:[0-9a-f]{64}$/);
    // Never pushed, so the engine holds no repository digest for it.
    expect(result.digest).toBeNull();
    const info = await docker.getImage(ref).inspect();
    expect(result.imageId).toBe(info.Id);
    expect(result.size).toBe(info.Size);
    expect(result.size).toBeGreaterThan(1_000_000);
    expect(info.Config.Labels).toMatchObject({
      [IMAGE_ID_LABEL]: s.id,
      'dev.slipway.fixture.greeting': 'ahoy',
    });
    expect(ctx.lines.some((l) => /^Step 1\/\d+ : FROM scratch/.test(l))).toBe(true);
    expect(ctx.lines.some((l) => l.includes('COPY busybox /bin/busybox'))).toBe(true);
    expect(ctx.percents.at(-1)).toBe(100);

    // No source: resolves the same reference from the engine without building.
    const resolved = await builder.build(spec({ id: s.id }), context());
    expect(resolved).toEqual(result);

    // The image really runs: busybox echo inside a container from the built image.
    const container = await docker.createContainer({ Image: ref, Cmd: ['echo', 'built-by-slipway'] });
    try {
      await container.start();
      await container.wait();
      const logs = await container.logs({ stdout: true, stderr: true });
      expect(logs.toString()).toContain('built-by-slipway');
    } finally {
      await container.remove({ force: true });
    }
  });

  it('fails a broken Dockerfile with the engine message, though the engine answered 200', async () => {
    const ctx = context();
    const s = spec({ name: `broken-${suffix}`, source: { path: 'broken' } });
    created.push(`${repository}/${s.name}:v1`);
    const err = await builder.build(s, ctx).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'DriverError', code: 'build_failed', retryable: false });
    expect((err as Error).message).toMatch(/this-file-does-not-exist/);
    expect(ctx.lines.some((l) => l.startsWith('ERROR: ') && l.includes('this-file-does-not-exist'))).toBe(
      true,
    );
  });

  it('refuses paths that escape the build context root, before contacting the engine', async () => {
    for (const path of ['../', '../../etc', '/etc', 'escape', 'busybox/../../', 'does-not-exist']) {
      await expect(builder.build(spec({ source: { path } }), context()), path).rejects.toMatchObject({
        code: 'invalid_source',
        retryable: false,
      });
    }
  });

  it('refuses git URLs other than https:// and git@', async () => {
    for (const git of ['file:///etc', 'ext::sh -c id', '/srv/repo', 'http://example.com/x.git']) {
      await expect(builder.build(spec({ source: { git } }), context()), git).rejects.toMatchObject({
        code: 'invalid_source',
      });
    }
  });

  it('caps the context size', async () => {
    const small = new DockerImageBuilder({ docker, buildContextRoot: root, maxContextBytes: 64 * 1024 });
    await expect(small.build(spec({ source: { path: 'busybox' } }), context())).rejects.toMatchObject({
      code: 'context_too_large',
      retryable: false,
    });
  });

  it('reports a timeout as retryable and a cancellation as aborted', async () => {
    const hurried = new DockerImageBuilder({ docker, buildContextRoot: root, buildTimeoutMs: 1 });
    const s = spec({ name: `timeout-${suffix}`, source: { path: 'busybox' } });
    created.push(`${repository}/${s.name}:v1`);
    await expect(hurried.build(s, context())).rejects.toMatchObject({ code: 'timeout', retryable: true });

    const ac = new AbortController();
    ac.abort();
    await expect(builder.build(s, context(ac.signal))).rejects.toMatchObject({
      code: 'aborted',
      retryable: true,
    });
  });

  it('retags, then removes one tag at a time; removing an absent tag succeeds', async () => {
    const s = spec({ name: `retag-${suffix}`, source: { path: 'busybox' } });
    const from = `${repository}/${s.name}:v1`;
    const to = `${repository}/${s.name}:v2`;
    created.push(from, to);
    const built = await builder.build(s, context());

    const retagged = await builder.retag(from, to, context());
    expect(retagged.imageId).toBe(built.imageId);
    expect((await docker.getImage(to).inspect()).RepoTags).toEqual(expect.arrayContaining([from, to]));

    await builder.remove(from, context());
    await expect(docker.getImage(from).inspect()).rejects.toMatchObject({ statusCode: 404 });
    expect((await docker.getImage(to).inspect()).Id).toBe(built.imageId);

    await builder.remove(to, context());
    await builder.remove(to, context());
    await expect(docker.getImage(to).inspect()).rejects.toMatchObject({ statusCode: 404 });
    await expect(builder.retag(from, `${repository}/${s.name}:v3`, context())).rejects.toMatchObject({
      code: 'image_not_found',
      retryable: false,
    });
  });

  it('turns a failed pull of a missing image into a clear DriverError', async () => {
    // Nothing listens on 127.0.0.1:1 (the engine treats loopback registries as plain http): a connection error.
    const ref = '127.0.0.1:1/slipway/missing:v0';
    const err = await builder
      .build({ id: randomUUID(), name: 'missing', tag: 'v0', repository: '127.0.0.1:1/slipway' }, context())
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'registry_unreachable', retryable: true });
    expect((err as Error).message).toContain(ref);
    expect((err as Error).message).toMatch(/connection refused/);
  });

  it('surfaces a failed push as a DriverError', async () => {
    const s = spec({ name: `push-${suffix}`, source: { path: 'busybox' } });
    const local = `${repository}/${s.name}:v1`;
    const remote = `127.0.0.1:1/slipway/push-${suffix}:v1`;
    created.push(local, remote);
    await builder.build(s, context());
    await builder.retag(local, remote, context());
    await expect(builder.push(remote, context())).rejects.toMatchObject({
      code: 'registry_unreachable',
      retryable: true,
    });
  });
});
