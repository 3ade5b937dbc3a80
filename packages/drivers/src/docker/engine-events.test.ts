import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { DriverError } from '../types.ts';
import {
  driverErrorFromEngine,
  type EngineEvent,
  eventError,
  eventLogLines,
  readEngineStream,
  registryError,
  stepProgress,
} from './engine-events.ts';

describe('engine events', () => {
  it('finds the failure in an errorDetail line', () => {
    expect(eventError({ errorDetail: { message: 'COPY failed: no such file' }, error: 'COPY failed' })).toBe(
      'COPY failed: no such file',
    );
    expect(eventError({ error: 'boom\n' })).toBe('boom');
    expect(eventError({ stream: 'Step 1/2 : FROM scratch\n' })).toBeNull();
  });

  it('splits build output into lines and drops byte-progress noise', () => {
    expect(eventLogLines({ stream: 'Step 1/2 : FROM scratch\n ---> Running\n\n' })).toEqual([
      'Step 1/2 : FROM scratch',
      ' ---> Running',
    ]);
    expect(
      eventLogLines({ status: 'Downloading', id: 'abc', progressDetail: { current: 1, total: 9 } }),
    ).toEqual([]);
    expect(eventLogLines({ status: 'Pull complete', id: 'abc', progressDetail: {} })).toEqual([
      'abc: Pull complete',
    ]);
  });

  it('derives progress from step lines', () => {
    expect(stepProgress('Step 1/4 : FROM scratch')).toBe(0);
    expect(stepProgress('Step 3/4 : COPY a b')).toBe(50);
    expect(stepProgress(' ---> abc')).toBeNull();
  });

  it('reads a JSON-lines stream split across chunks', async () => {
    const s = new PassThrough();
    const events: EngineEvent[] = [];
    const done = readEngineStream(s, new AbortController().signal, (e) => events.push(e));
    s.write('{"stream":"Step 1/1 : FROM scr');
    s.write('atch\\n"}\n{"errorDetail":{"message":"x"},"error":"x"}\nnot json\n');
    s.end('{"aux":{"ID":"sha256:1"}}');
    await done;
    expect(events).toEqual([
      { stream: 'Step 1/1 : FROM scratch\n' },
      { errorDetail: { message: 'x' }, error: 'x' },
      { stream: 'not json' },
      { aux: { ID: 'sha256:1' } },
    ]);
  });

  it('rejects with the abort reason and destroys the stream when aborted', async () => {
    const s = new PassThrough();
    const ac = new AbortController();
    const done = readEngineStream(s, ac.signal, () => {});
    const reason = new Error('stop');
    ac.abort(reason);
    await expect(done).rejects.toBe(reason);
    expect(s.destroyed).toBe(true);
  });
});

describe('driverErrorFromEngine', () => {
  it('maps socket errors to retryable engine_unreachable', () => {
    const e = driverErrorFromEngine(
      Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
      'ping',
    );
    expect(e).toMatchObject({ code: 'engine_unreachable', retryable: true });
  });
  it('maps HTTP statuses and keeps the engine message', () => {
    const notFound = Object.assign(new Error('(HTTP code 404) no such image'), {
      statusCode: 404,
      json: { message: 'No such image: x:1' },
    });
    expect(driverErrorFromEngine(notFound, 'inspect x:1')).toMatchObject({
      code: 'image_not_found',
      retryable: false,
      message: 'inspect x:1: No such image: x:1',
    });
    expect(driverErrorFromEngine({ statusCode: 409, message: 'in use' }, 'rm')).toMatchObject({
      code: 'conflict',
      retryable: false,
    });
    expect(driverErrorFromEngine({ statusCode: 500, message: 'oops' }, 'x').retryable).toBe(true);
  });
  it('passes DriverErrors through', () => {
    const d = new DriverError('x', 'y');
    expect(driverErrorFromEngine(d, 'z')).toBe(d);
  });
});

describe('registryError', () => {
  it('treats missing and denied images as permanent, network failures as retryable', () => {
    expect(
      registryError(
        "pull access denied for x, repository does not exist or may require 'docker login'",
        'pull',
        'x',
      ),
    ).toMatchObject({ code: 'pull_denied', retryable: false });
    expect(registryError('manifest for x:1 not found: manifest unknown', 'pull', 'x:1')).toMatchObject({
      code: 'image_not_found',
      retryable: false,
    });
    expect(
      registryError(
        'Get "https://registry-1.docker.io/v2/": dial tcp: lookup registry-1.docker.io: no such host',
        'pull',
        'x',
      ),
    ).toMatchObject({ code: 'registry_unreachable', retryable: true });
    expect(registryError('something odd', 'push', 'x')).toMatchObject({
      code: 'push_failed',
      retryable: true,
    });
  });
});
