import { context, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace';
import { createTestDatabase, type TestDatabase, testRedisUrl } from '@slipway/testing';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createLogger, traceFields } from './logger.ts';
import {
  endServerSpan,
  instrumentPostgres,
  redisStatement,
  samplerFrom,
  startServerSpan,
  startTelemetry,
  traceDrivers,
  traceQuery,
  tracesUrl,
  withSpan,
} from './tracing.ts';

describe('tracing', () => {
  const exporter = new InMemorySpanExporter();
  const t = startTelemetry({ serviceName: 'test', spanProcessors: [new SimpleSpanProcessor({ exporter })] });
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db?.drop();
    await t.shutdown();
  });
  beforeEach(() => exporter.reset());
  const spans = async () => {
    await t.forceFlush();
    return exporter.getFinishedSpans();
  };

  it('records a span per withSpan, child db spans, and marks errors', async () => {
    await withSpan('outer', { a: 1 }, async () => {
      traceQuery('select 1');
    });
    await expect(withSpan('boom', {}, async () => Promise.reject(new Error('x')))).rejects.toThrow('x');
    const all = await spans();
    const names = all.map((s) => s.name);
    expect(names).toEqual(expect.arrayContaining(['outer', 'db.query', 'boom']));
    const outer = all.find((s) => s.name === 'outer');
    const dbSpan = all.find((s) => s.name === 'db.query');
    expect(dbSpan?.parentSpanContext?.spanId).toBe(outer?.spanContext().spanId);
    expect(all.find((s) => s.name === 'boom')?.status.code).toBe(2);
  });

  it('postgres.js queries become CLIENT spans lasting as long as the query (drizzle, tagged, transactions)', async () => {
    instrumentPostgres(db.sql);
    instrumentPostgres(db.sql); // idempotent
    await db.sql`select 'no parent, no span'`;
    await withSpan('request', {}, async () => {
      await db.sql`select pg_sleep(${0.05})`;
      await db.sql.begin(async (tx) => {
        await tx.unsafe('select 42 as answer');
      });
      await expect(db.sql.unsafe('select * from no_such_table')).rejects.toThrow();
    });
    const all = await spans();
    const request = all.find((s) => s.name === 'request');
    const q = all.filter((s) => s.name.startsWith('db.query'));
    expect(all.some((s) => String(s.attributes['db.query.text']).includes('no parent'))).toBe(false);
    const sleep = q.find((s) => String(s.attributes['db.query.text']).includes('pg_sleep'));
    expect(sleep?.attributes['db.query.text']).toBe('select pg_sleep($1)');
    expect(sleep?.kind).toBe(2);
    expect(sleep?.parentSpanContext?.spanId).toBe(request?.spanContext().spanId);
    // pg_sleep(0.05) cannot answer in less than 50 ms: the span covers the query, it is not a point.
    const ms = (s: NonNullable<typeof sleep>) => s.duration[0] * 1000 + s.duration[1] / 1e6;
    expect(sleep && ms(sleep)).toBeGreaterThanOrEqual(49);
    expect(q.map((s) => s.name)).toEqual(expect.arrayContaining(['db.query SELECT', 'db.query BEGIN']));
    expect(
      q.find((s) => s.attributes['db.query.text'] === 'select 42 as answer')?.attributes[
        'db.response.returned_rows'
      ],
    ).toBe(1);
    const failed = q.find((s) => String(s.attributes['db.query.text']).includes('no_such_table'));
    expect(failed?.status.code).toBe(2);
  });

  it('ioredis commands are spans inside a trace', async () => {
    const r = new Redis(testRedisUrl());
    try {
      await withSpan('job', {}, async () => {
        await r.set('telemetry-test-key', '1', 'EX', 5);
      });
    } finally {
      r.disconnect();
    }
    const all = await spans();
    const set = all.find((s) => s.name === 'set');
    expect(set?.instrumentationScope.name).toBe('@opentelemetry/instrumentation-ioredis');
    expect(set?.parentSpanContext?.spanId).toBe(all.find((s) => s.name === 'job')?.spanContext().spanId);
  });

  it('a Lua script call (EVALSHA, as BullMQ makes them) names its script and keys, not its arguments', async () => {
    const r = new Redis(testRedisUrl());
    r.defineCommand('slipwayTestScript', {
      numberOfKeys: 2,
      lua: "redis.call('set', KEYS[1], ARGV[1], 'EX', 5); return redis.call('set', KEYS[2], ARGV[2], 'EX', 5)",
    });
    const script = r as Redis & { slipwayTestScript(...args: (string | Buffer)[]): Promise<unknown> };
    try {
      await withSpan('job', {}, async () => {
        await script.slipwayTestScript(
          'telemetry-k1',
          'telemetry-k2',
          'secret value',
          Buffer.from([0x82, 0xa5]),
        );
      });
    } finally {
      r.disconnect();
    }
    const texts = (await spans())
      .filter((s) => s.name === 'evalsha' || s.name === 'eval')
      .map((s) => String(s.attributes['db.query.text']));
    // ioredis sends EVALSHA first (and EVAL with the script once if Redis did not know it).
    expect(texts[0]).toMatch(/^evalsha [0-9a-f]{40} 2 telemetry-k1 telemetry-k2 \[2 other arguments\]$/);
    for (const t of texts) expect(t).not.toContain('secret value');
  });

  it('redisStatement: keys of script calls, the default rules for other commands', () => {
    const sha = 'a'.repeat(40);
    expect(
      redisStatement('evalsha', [sha, '2', 'q:wait', Buffer.from('q:active'), 'job-1', Buffer.from([0x82])]),
    ).toBe(`evalsha ${sha} 2 q:wait q:active [2 other arguments]`);
    expect(redisStatement('evalsha', [sha, 1, 'q:wait'])).toBe(`evalsha ${sha} 1 q:wait`);
    expect(redisStatement('eval', ['return 1', '0', 'x'])).toBe(
      'eval [script of 8 chars] 0 [1 other arguments]',
    );
    // Not a script call, or one whose key count does not add up: the instrumentation's default.
    expect(redisStatement('set', ['k', 'v', 'EX', 5])).toBe('set k [3 other arguments]');
    expect(redisStatement('get', ['k'])).toBe('get k');
    expect(redisStatement('evalsha', [sha, '9', 'a'])).toBe(`evalsha ${sha} 9 a`);
  });

  it('outgoing fetch and incoming node:http requests are spans; trace context crosses the wire', async () => {
    const { createServer } = await import('node:http');
    let seen = '';
    const server = createServer((req, res) => {
      seen = String(req.headers.traceparent ?? '');
      res.end('ok');
    });
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    const a = server.address();
    const port = typeof a === 'object' && a ? a.port : 0;
    try {
      await withSpan('caller', {}, async () => {
        await (await fetch(`http://127.0.0.1:${port}/x`)).text();
      });
    } finally {
      await new Promise((ok) => server.close(ok));
    }
    const all = await spans();
    const caller = all.find((s) => s.name === 'caller');
    const client = all.find((s) => s.kind === 2 && s.instrumentationScope.name.includes('undici'));
    const srv = all.find((s) => s.kind === 1 && s.instrumentationScope.name.includes('http'));
    expect(client?.spanContext().traceId).toBe(caller?.spanContext().traceId);
    expect(srv?.spanContext().traceId).toBe(caller?.spanContext().traceId);
    expect(seen).toContain(caller?.spanContext().traceId);
  });

  it('startServerSpan continues a W3C traceparent; endServerSpan marks 5xx (not 4xx) as errors', async () => {
    const incoming: Record<string, string> = {
      traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
    };
    const a = startServerSpan('GET /x/:id', (k) => incoming[k], { 'http.route': '/x/:id' });
    a.run(() => withSpan('inner', {}, async () => {}));
    endServerSpan(a.span, 503, new TypeError('boom'));
    const b = startServerSpan('GET /y', () => undefined, {});
    endServerSpan(b.span, 404);
    const all = await spans();
    const first = all.find((s) => s.name === 'GET /x/:id');
    expect(first?.kind).toBe(1);
    expect(first?.spanContext().traceId).toBe('0af7651916cd43dd8448eb211c80319c');
    expect(first?.parentSpanContext?.spanId).toBe('b7ad6b7169203331');
    expect(first?.attributes).toMatchObject({ 'http.response.status_code': 503, 'error.type': 'TypeError' });
    expect(first?.status.code).toBe(2);
    expect(first?.events.map((e) => e.name)).toContain('exception');
    expect(all.find((s) => s.name === 'inner')?.parentSpanContext?.spanId).toBe(first?.spanContext().spanId);
    const second = all.find((s) => s.name === 'GET /y');
    expect(second?.parentSpanContext).toBeUndefined();
    expect(second?.status.code).toBe(0);
    expect(second?.attributes['error.type']).toBeUndefined();
  });

  it('traceDrivers wraps every driver call in a span and keeps the rest', async () => {
    const images = {
      kind: 'sandbox',
      calls: 0,
      async build(name: string) {
        this.calls++;
        return `built ${name}`;
      },
      version() {
        return '1.0';
      },
      async broken() {
        throw new Error('daemon gone');
      },
    };
    const d = traceDrivers({ images });
    await withSpan('operation image.build', {}, async () => {
      expect(await d.images.build('x')).toBe('built x');
      expect(d.images.version()).toBe('1.0');
      await expect(d.images.broken()).rejects.toThrow('daemon gone');
    });
    expect(d.images.kind).toBe('sandbox');
    expect(images.calls).toBe(1);
    const all = await spans();
    const op = all.find((s) => s.name === 'operation image.build');
    const build = all.find((s) => s.name === 'driver images.build');
    expect(build?.parentSpanContext?.spanId).toBe(op?.spanContext().spanId);
    expect(build?.attributes).toMatchObject({
      'slipway.driver.family': 'images',
      'slipway.driver.kind': 'sandbox',
    });
    expect(all.find((s) => s.name === 'driver images.broken')?.status.code).toBe(2);
    expect(all.some((s) => s.name === 'driver images.version')).toBe(true);
  });

  it('traceDrivers hands out one proxy per family and one wrapper per method, each call still its own span', async () => {
    const images = {
      kind: 'sandbox',
      async build(name: string) {
        return `built ${name}`;
      },
    };
    const d = traceDrivers({ images });
    expect(d.images).toBe(d.images);
    expect(d.images.build).toBe(d.images.build);
    await withSpan('operation image.build', {}, async () => {
      await d.images.build('a');
      await d.images.build('b');
      // A method replaced on the driver is the one called (and traced) from then on.
      images.build = async (name: string) => `rebuilt ${name}`;
      expect(await d.images.build('c')).toBe('rebuilt c');
    });
    expect((await spans()).filter((s) => s.name === 'driver images.build')).toHaveLength(3);
  });

  it('traceDrivers keeps class drivers with private fields and getters working', async () => {
    class Charts {
      #bin = 'helm';
      get kind() {
        return `${this.#bin}-driver`;
      }
      async validate() {
        return `${this.#bin} lint ok`;
      }
    }
    const d = traceDrivers({ charts: new Charts() });
    expect(d.charts.kind).toBe('helm-driver');
    expect(d.charts instanceof Charts).toBe(true);
    await withSpan('operation chart.validate', {}, async () => {
      expect(await d.charts.validate()).toBe('helm lint ok');
    });
    expect(
      (await spans()).find((s) => s.name === 'driver charts.validate')?.attributes['slipway.driver.kind'],
    ).toBe('helm-driver');
  });

  it('log lines written inside a span carry trace_id and span_id', async () => {
    const lines: Record<string, unknown>[] = [];
    const log = pino({ mixin: traceFields }, { write: (l: string) => lines.push(JSON.parse(l)) });
    log.info('outside');
    await withSpan('logged', {}, async () => {
      log.info('inside');
    });
    const span = (await spans()).find((s) => s.name === 'logged');
    expect(lines[0]).not.toHaveProperty('trace_id');
    expect(lines[1]).toMatchObject({
      trace_id: span?.spanContext().traceId,
      span_id: span?.spanContext().spanId,
      trace_flags: '01',
    });
    expect(createLogger({ name: 'x' })).toBeDefined();
    expect(trace.getSpan(context.active())).toBeUndefined();
  });
});

describe('OTEL_* settings', () => {
  it('OTEL_EXPORTER_OTLP_ENDPOINT is a base URL, OTEL_EXPORTER_OTLP_TRACES_ENDPOINT a full one', () => {
    expect(tracesUrl({})).toBeNull();
    expect(tracesUrl({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318' })).toBe('http://c:4318/v1/traces');
    expect(tracesUrl({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318/' })).toBe('http://c:4318/v1/traces');
    expect(
      tracesUrl({
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318',
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://t:1/custom',
      }),
    ).toBe('http://t:1/custom');
  });

  it('OTEL_TRACES_SAMPLER names map to the SDK samplers', () => {
    expect(samplerFrom(undefined, undefined)).toBeUndefined();
    expect(samplerFrom('always_off', undefined)?.toString()).toBe('AlwaysOffSampler');
    expect(samplerFrom('traceidratio', 0.25)?.toString()).toBe('TraceIdRatioBased{0.25}');
    expect(samplerFrom('parentbased_traceidratio', '0.5')?.toString()).toContain('TraceIdRatioBased{0.5}');
    expect(() => samplerFrom('sometimes', undefined)).toThrow(/unknown sampler/);
  });
});
