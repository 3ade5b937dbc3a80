import { Writable } from 'node:stream';
import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, fixedShapeLogger, type RequestLine, requestLineWriter } from './logger.ts';

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

/** An AsyncLocalStorage context manager for the describe block's tests (spans become active). */
function useContextManager(): void {
  const manager = new AsyncLocalStorageContextManager();
  beforeAll(() => {
    context.setGlobalContextManager(manager.enable());
  });
  afterAll(() => {
    manager.disable();
    context.disable();
  });
}

describe('fixedShapeLogger', () => {
  useContextManager();

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

describe('requestLineWriter', () => {
  useContextManager();

  it("writes the bytes fixedShapeLogger writes (pino's), levels and trace ids included", () => {
    const raw: string[] = [];
    const log = createLogger({
      name: 'api',
      level: 'info',
      destination: { write: (s: string) => raw.push(s.replace(/"time":\d+/, '"time":0')) },
    });
    const pinoWay = fixedShapeLogger(log);
    const write = requestLineWriter(log);
    const lines: RequestLine[] = [
      // Strings pino quotes itself and strings it hands to JSON.stringify (quotes, controls, lone surrogates).
      {
        method: 'GET',
        path: '/api/x/"q\\\n\u2028é\ud800',
        route: '/api/x/:id',
        status: 200,
        ms: 1.5,
        requestId: 'r',
        userId: 'u',
      },
      {
        method: 'POST',
        path: '/a',
        route: 'unmatched',
        status: 503,
        ms: 0,
        requestId: undefined,
        userId: null,
      },
    ];
    const both = () => {
      for (const l of lines) {
        if (l.status >= 500) pinoWay.error(l, 'request');
        else pinoWay.info(l, 'request');
        write(l);
      }
    };
    both();
    context.with(trace.setSpanContext(context.active(), spanContext), both);
    log.level = 'error'; // follows the level: only the 5xx lines
    both();
    expect(raw).toHaveLength(10);
    for (let i = 0; i < raw.length; i += 2) expect(raw[i + 1]).toBe(raw[i]);
    expect(JSON.parse(raw[6] as string)).toMatchObject({
      level: 50,
      msg: 'request',
      trace_id: spanContext.traceId,
    });
  });

  it('writes through the logger itself when it is not pino', () => {
    const seen: unknown[] = [];
    const silent = {
      info: (o: unknown) => seen.push(['info', o]),
      error: (o: unknown) => seen.push(['error', o]),
    };
    const line: RequestLine = {
      method: 'GET',
      path: '/',
      route: '/',
      status: 500,
      ms: 1,
      requestId: 'r',
      userId: null,
    };
    requestLineWriter(silent)(line);
    expect(seen).toEqual([['error', line]]);
  });
});
