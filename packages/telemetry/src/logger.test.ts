import { Writable } from 'node:stream';
import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, fixedShapeLogger } from './logger.ts';

/** A destination that keeps every line written to it, parsed. */
function memory() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString('utf8').split('\n')) if (l) lines.push(JSON.parse(l));
      done();
    },
  });
  return { lines, stream };
}

const spanContext = {
  traceId: '4c79bf683a790feaeddbd13710d25d8e',
  spanId: '7b0c0c29830e92ef',
  traceFlags: 1,
};

describe('createLogger', () => {
  it('redacts secrets wherever they might appear', () => {
    const m = memory();
    const log = createLogger({ name: 'api', destination: m.stream });
    log.info({ password: 'p', body: { access_token: 't' }, headers: { authorization: 'Bearer x' } }, 'x');
    expect(m.lines[0]).toMatchObject({
      password: '[redacted]',
      body: { access_token: '[redacted]' },
      headers: { authorization: '[redacted]' },
    });
  });
});

describe('fixedShapeLogger', () => {
  const manager = new AsyncLocalStorageContextManager();
  beforeAll(() => {
    context.setGlobalContextManager(manager.enable());
  });
  afterAll(() => {
    manager.disable();
    context.disable();
  });

  it('writes to the same destination with the same name, level and trace ids, without the redaction copy', () => {
    const m = memory();
    const log = createLogger({ name: 'api', level: 'info', destination: m.stream });
    const lines = fixedShapeLogger(log);
    expect(lines).not.toBe(log);
    context.with(trace.setSpanContext(context.active(), spanContext), () => {
      lines.info({ method: 'GET', route: '/api/x', status: 200 }, 'request');
      log.info({ other: 1 }, 'other');
    });
    lines.debug({ hidden: true }, 'below the level');
    expect(m.lines).toHaveLength(2);
    expect(m.lines[0]).toMatchObject({
      name: 'api',
      level: 30,
      msg: 'request',
      method: 'GET',
      status: 200,
      trace_id: spanContext.traceId,
      span_id: spanContext.spanId,
      trace_flags: '01',
    });
    expect(m.lines[1]).toMatchObject({ name: 'api', msg: 'other', trace_id: spanContext.traceId });
    // No redaction: the shape it is for has no secret in it (the main logger still redacts).
    lines.info({ password: 'not-for-this-logger' }, 'shape');
    expect(m.lines[2]).toMatchObject({ password: 'not-for-this-logger' });
  });

  it("follows the base logger's level changes", () => {
    const m = memory();
    const log = createLogger({ name: 'api', level: 'info', destination: m.stream });
    const lines = fixedShapeLogger(log);
    log.level = 'warn';
    lines.info({ a: 1 }, 'dropped');
    lines.warn({ a: 2 }, 'kept');
    log.level = 'debug';
    lines.debug({ a: 3 }, 'now kept');
    expect(m.lines.map((l) => l.msg)).toEqual(['kept', 'now kept']);
  });

  it('makes one sibling per logger, however many times it is asked (one level listener)', () => {
    const m = memory();
    const log = createLogger({ name: 'api', destination: m.stream });
    const first = fixedShapeLogger(log);
    for (let i = 0; i < 20; i++) expect(fixedShapeLogger(log)).toBe(first);
    expect(log.listenerCount('level-change')).toBe(1);
  });

  it('returns a logger that is not pino as it is', () => {
    const silent = { info() {}, warn() {}, error() {} };
    expect(fixedShapeLogger(silent)).toBe(silent);
  });
});
