import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DriverError, type ImageSpec } from '../types.ts';
import { SandboxImageBuilder } from './images.ts';
import { readLedger } from './ledger.ts';
import { recordingContext, rejectionOf } from './test-context.ts';

const fast = { timeScale: 0.001 };

function spec(overrides: Partial<ImageSpec> = {}): ImageSpec {
  return {
    id: 'img-1',
    name: 'todo-backend',
    tag: 'v1',
    repository: 'docker.io/todo-app',
    source: { git: 'https://example.com/todo.git' },
    ...overrides,
  };
}

describe('SandboxImageBuilder.build', () => {
  it('emits docker-like build lines and a deterministic result', async () => {
    const ctx = recordingContext();
    const result = await new SandboxImageBuilder(fast).build(spec(), ctx);
    expect(result.imageId).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(result.digest).toMatch(/^docker\.io\/todo-app\/todo-backend@sha256:[0-9a-f]{64}$/);
    expect(result.size).toBeGreaterThanOrEqual(5_000_000);
    expect(result.size).toBeLessThanOrEqual(300_000_000);
    expect(ctx.lines[1]).toMatch(/^Step 1\/5 : FROM /);
    expect(ctx.lines).toContain(`Successfully built ${result.imageId.slice(7, 19)}`);
    expect(ctx.lines.at(-1)).toBe('Successfully tagged docker.io/todo-app/todo-backend:v1');
    expect(ctx.percents.at(-1)).toBe(100);
  });

  it('gives the same result and logs from two separate instances', async () => {
    const a = recordingContext();
    const b = recordingContext();
    const ra = await new SandboxImageBuilder(fast).build(spec({ buildArgs: { B: '1', A: '2' } }), a);
    const rb = await new SandboxImageBuilder(fast).build(spec({ buildArgs: { A: '2', B: '1' } }), b);
    expect(rb).toEqual(ra);
    expect(b.lines).toEqual(a.lines);
    expect(a.lines).toContain('Step 2/7 : ARG A');
  });

  it('resolves an image without source to what a build of the same reference reports', async () => {
    const ctx = recordingContext();
    const builder = new SandboxImageBuilder(fast);
    const resolved = await builder.build(spec({ source: null }), ctx);
    expect(ctx.lines[0]).toBe('v1: Pulling from docker.io/todo-app/todo-backend');
    expect(ctx.lines.at(-1)).toBe('Status: Downloaded newer image for docker.io/todo-app/todo-backend:v1');
    expect(resolved).toEqual(await builder.build(spec(), recordingContext()));
  });

  it.each([
    ['name', spec({ name: 'fail-app' })],
    ['tag', spec({ tag: 'will-fail' })],
  ])('fails a build whose %s contains "fail" after logging, not retryable', async (_, s) => {
    const ctx = recordingContext();
    const err = await rejectionOf(new SandboxImageBuilder(fast).build(s, ctx));
    expect(err).toBeInstanceOf(DriverError);
    expect(err).toMatchObject({
      code: 'build_failed',
      retryable: false,
      message: "The command '/bin/sh -c make' returned a non-zero code: 2",
    });
    expect(ctx.lines).toContain('Step 4/5 : RUN make');
    expect(ctx.lines.some((l) => l.startsWith('Successfully'))).toBe(false);
  });

  it('fails resolving a "fail" image without source with build_failed', async () => {
    const err = await rejectionOf(
      new SandboxImageBuilder(fast).build(spec({ name: 'fail-app', source: null }), recordingContext()),
    );
    expect(err).toMatchObject({ code: 'build_failed', retryable: false });
  });

  it('makes a "flaky" engine unavailable on the first attempt only', async () => {
    const builder = new SandboxImageBuilder(fast);
    const err = await rejectionOf(
      builder.build(spec({ name: 'flaky-app' }), recordingContext({ attempt: 1 })),
    );
    expect(err).toMatchObject({ code: 'engine_unavailable', retryable: true });
    const ok = await builder.build(spec({ name: 'flaky-app' }), recordingContext({ attempt: 2 }));
    expect(ok.imageId).toMatch(/^sha256:/);
  });

  it('loses the response of a "transient" build once, after the effect was recorded', async () => {
    const ledgerPath = join(mkdtempSync(join(tmpdir(), 'sandbox-img-')), 'ledger.jsonl');
    const builder = new SandboxImageBuilder({ ...fast, ledgerPath });
    const s = spec({ id: 'img-t', name: 'transient-app' });
    const err = await rejectionOf(builder.build(s, recordingContext({ operationId: 'op-t', attempt: 1 })));
    expect(err).toMatchObject({ code: 'timeout', retryable: true });
    await builder.build(s, recordingContext({ operationId: 'op-t', attempt: 2 }));
    expect(readLedger(ledgerPath).map((e) => [e.operationId, e.effect, e.resourceId])).toEqual([
      ['op-t', 'build', 'img-t'],
    ]);
  });

  it('rejects with cancelled when the signal aborts mid-build, recording nothing', async () => {
    const ledgerPath = join(mkdtempSync(join(tmpdir(), 'sandbox-img-')), 'ledger.jsonl');
    // Realistic timing: the build would take ~3 s, the abort comes at the first log line.
    const builder = new SandboxImageBuilder({ timeScale: 1, ledgerPath });
    const ctx = recordingContext();
    const log = ctx.log;
    ctx.log = (m) => {
      log(m);
      ctx.controller.abort();
    };
    const err = await rejectionOf(builder.build(spec(), ctx));
    expect(err).toBeInstanceOf(DriverError);
    expect(err).toMatchObject({ code: 'cancelled', retryable: false });
    expect(readLedger(ledgerPath)).toEqual([]);
  });

  it('rejects at once when the signal is already aborted', async () => {
    const ctx = recordingContext();
    ctx.controller.abort();
    const err = await rejectionOf(new SandboxImageBuilder(fast).build(spec(), ctx));
    expect(err).toMatchObject({ code: 'cancelled' });
    expect(ctx.lines).toEqual([]);
  });

  it('pushes when asked, recording build and push effects', async () => {
    const ledgerPath = join(mkdtempSync(join(tmpdir(), 'sandbox-img-')), 'ledger.jsonl');
    const ctx = recordingContext({ operationId: 'op-p' });
    await new SandboxImageBuilder({ ...fast, ledgerPath }).build(spec({ push: true }), ctx);
    expect(ctx.lines).toContain('The push refers to repository [docker.io/todo-app/todo-backend]');
    expect(readLedger(ledgerPath).map((e) => e.effect)).toEqual(['build', 'push']);
  });
});

describe('SandboxImageBuilder.retag/remove/push', () => {
  it('retag reports the source content under the new reference', async () => {
    const builder = new SandboxImageBuilder(fast);
    const built = await builder.build(spec(), recordingContext());
    const retagged = await builder.retag(
      'docker.io/todo-app/todo-backend:v1',
      'registry.local:5000/todo/backend:v2',
      recordingContext(),
    );
    expect(retagged.imageId).toBe(built.imageId);
    expect(retagged.size).toBe(built.size);
    expect(retagged.digest).toBe(`registry.local:5000/todo/backend@${built.digest?.split('@')[1]}`);
  });

  it('remove and push succeed and log', async () => {
    const builder = new SandboxImageBuilder(fast);
    const ctx = recordingContext();
    await builder.remove('docker.io/todo-app/todo-backend:v1', ctx);
    await builder.push('docker.io/todo-app/todo-backend:v1', ctx);
    expect(ctx.lines[0]).toBe('Untagged: docker.io/todo-app/todo-backend:v1');
    expect(ctx.lines.at(-1)).toMatch(/^v1: digest: sha256:[0-9a-f]{64} size: \d+$/);
  });
});

describe('image references', () => {
  it('builds under the Docker grammar: an invalid reference fails like it would on the engine', async () => {
    const builder = new SandboxImageBuilder(fast);
    for (const repository of ['docker.io/x/', 'docker.io/Todo', 'docker.io//x']) {
      await expect(builder.build(spec({ repository }), recordingContext())).rejects.toMatchObject({
        code: 'invalid_image_ref',
        retryable: false,
      });
    }
    const ctx = recordingContext();
    await builder.build(spec({ repository: 'localhost:5000/team', source: null }), ctx);
    expect(ctx.lines[0]).toBe('v1: Pulling from localhost:5000/team/todo-backend');
  });
});
