import { createRequire, syncBuiltinESMExports } from 'node:module';
import {
  type Attributes,
  type Context,
  context,
  DiagConsoleLogger,
  diag,
  propagation,
  type Span,
  SpanKind,
  SpanStatusCode,
  type TextMapGetter,
  type Tracer,
  trace,
} from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  CompositePropagator,
  diagLogLevelFromString,
  W3CBaggagePropagator,
  W3CTraceContextPropagator,
} from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { type Instrumentation, registerInstrumentations } from '@opentelemetry/instrumentation';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { IORedisInstrumentation } from '@opentelemetry/instrumentation-ioredis';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import { defaultDbStatementSerializer } from '@opentelemetry/redis-common';
import {
  defaultResource,
  detectResources,
  resourceAttributesEnvDetector,
  resourceFromAttributes,
} from '@opentelemetry/resources';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BatchSpanProcessor,
  NoopSpanProcessor,
  ParentBasedSampler,
  type Sampler,
  type SpanProcessor,
  TraceIdRatioBasedSampler,
  TracerProvider,
} from '@opentelemetry/sdk-trace';
import { BullMQOtel } from 'bullmq-otel';

/** The standard OTel variables (already validated by the process's config schema). */
export type OtelEnv = {
  OTEL_EXPORTER_OTLP_ENDPOINT?: string | undefined;
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?: string | undefined;
  OTEL_SERVICE_NAME?: string | undefined;
  OTEL_TRACES_SAMPLER?: string | undefined;
  OTEL_TRACES_SAMPLER_ARG?: number | string | undefined;
  OTEL_BSP_SCHEDULE_DELAY?: number | undefined;
  OTEL_BSP_EXPORT_TIMEOUT?: number | undefined;
  OTEL_BSP_MAX_QUEUE_SIZE?: number | undefined;
  OTEL_BSP_MAX_EXPORT_BATCH_SIZE?: number | undefined;
};

export type TelemetryOptions = {
  /** service.name unless OTEL_SERVICE_NAME says otherwise. */
  serviceName: string;
  /** The OTEL_* settings; see `tracesUrl` and `samplerFrom`. */
  otel?: OtelEnv;
  /** @deprecated full OTLP/HTTP traces URL; prefer `otel`. */
  otlpEndpoint?: string | undefined;
  /** Extra processors (tests pass a SimpleSpanProcessor over an InMemorySpanExporter). */
  spanProcessors?: SpanProcessor[];
  /** HTTP server/client (node:http, fetch) and ioredis instrumentation; default true. */
  instrument?: boolean;
  /**
   * Server spans from the node:http instrumentation (default true). The API passes false: its Hono
   * middleware makes the server span itself (`startServerSpan`), at a fraction of the cost; outgoing
   * node:http requests are still instrumented.
   */
  httpServerSpans?: boolean;
};

export type Telemetry = {
  shutdown(): Promise<void>;
  forceFlush(): Promise<void>;
  /** Where traces are exported, or null when no exporter is configured. */
  tracesUrl: string | null;
};

/**
 * The OTLP/HTTP traces URL per the spec: OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is used as is;
 * OTEL_EXPORTER_OTLP_ENDPOINT is a base URL to which `/v1/traces` is appended.
 */
export function tracesUrl(otel: OtelEnv): string | null {
  if (otel.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) return otel.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT;
  if (otel.OTEL_EXPORTER_OTLP_ENDPOINT)
    return `${otel.OTEL_EXPORTER_OTLP_ENDPOINT.replace(/\/+$/, '')}/v1/traces`;
  return null;
}

/** OTEL_TRACES_SAMPLER (+ _ARG) as a Sampler; undefined = the SDK default (parentbased_always_on). */
export function samplerFrom(name: string | undefined, arg: number | string | undefined): Sampler | undefined {
  const ratio = arg === undefined || arg === '' ? 1 : Number(arg);
  switch (name) {
    case undefined:
    case '':
      return undefined;
    case 'always_on':
      return new AlwaysOnSampler();
    case 'always_off':
      return new AlwaysOffSampler();
    case 'traceidratio':
      return new TraceIdRatioBasedSampler(ratio);
    case 'parentbased_always_on':
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
    case 'parentbased_always_off':
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case 'parentbased_traceidratio':
      return new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(ratio) });
    default:
      throw new Error(`OTEL_TRACES_SAMPLER: unknown sampler ${name}`);
  }
}

// Probes and scrapes would be most of the traces and say nothing.
const QUIET_PATHS = /^\/(healthz|readyz|metrics)(\?|$)/;

/** Paths that get no server span: health probes and metric scrapes. */
export function isQuietPath(path: string): boolean {
  return QUIET_PATHS.test(path);
}

function instrumentations(httpServerSpans: boolean): Instrumentation[] {
  return [
    new HttpInstrumentation({
      disableIncomingRequestInstrumentation: !httpServerSpans,
      ignoreIncomingRequestHook: (req) => QUIET_PATHS.test(req.url ?? ''),
    }),
    new UndiciInstrumentation(),
    new IORedisInstrumentation({ dbStatementSerializer: redisStatement }),
  ];
}

const argText = (a: unknown): string =>
  typeof a === 'string' ? a : Buffer.isBuffer(a) ? a.toString('utf8') : String(a);

/**
 * `db.query.text` of a Redis span. EVALSHA/EVAL: the command, the script's sha (EVAL: its length,
 * not its text), the number of keys and the keys, then how many arguments followed, unprinted.
 * The instrumentation's default prints every argument of a script call: BullMQ's carry msgpack
 * options (binary), job data and return values, ~1.5 KB of text per job completion that says nothing
 * the keys do not (which script, on which queue and job) and that every span paid to build, hold and
 * export. Every other command: the instrumentation's default (its per-command argument rules).
 */
export function redisStatement(cmdName: string, cmdArgs: ReadonlyArray<unknown>): string {
  const name = cmdName.toLowerCase();
  if ((name === 'evalsha' || name === 'eval') && cmdArgs.length >= 2) {
    const numKeys = Number(argText(cmdArgs[1]));
    if (Number.isSafeInteger(numKeys) && numKeys >= 0 && numKeys <= cmdArgs.length - 2) {
      const script = argText(cmdArgs[0]);
      let text = `${cmdName} ${name === 'eval' ? `[script of ${script.length} chars]` : script} ${numKeys}`;
      for (let i = 2; i < 2 + numKeys; i++) text += ` ${argText(cmdArgs[i])}`;
      const rest = cmdArgs.length - 2 - numKeys;
      return rest > 0 ? `${text} [${rest} other arguments]` : text;
    }
  }
  return defaultDbStatementSerializer(cmdName, cmdArgs as (string | Buffer | number | unknown[])[]);
}

/**
 * Instrumentations hook `require`, so they only patch modules loaded after them. The apps import
 * node:http and ioredis statically (before main() can start the SDK), so the modules already loaded
 * are patched here directly, with the instrumentation's own patch functions.
 */
function patchLoaded(list: Instrumentation[]): void {
  const req = createRequire(import.meta.url);
  for (const i of list) {
    const defs = (
      i as unknown as {
        getModuleDefinitions?: () => {
          name: string;
          moduleExports?: unknown;
          patch?: (exports: unknown, version?: string) => unknown;
        }[];
      }
    ).getModuleDefinitions?.();
    for (const d of defs ?? []) {
      if (!d.patch || d.moduleExports) continue;
      const builtin = d.name === 'http' || d.name === 'https';
      let exports: unknown;
      let version: string | undefined;
      try {
        exports = req(d.name);
        version = builtin
          ? process.versions.node
          : (req(`${d.name}/package.json`) as { version: string }).version;
      } catch {
        continue;
      }
      d.moduleExports = d.patch(exports, version) ?? exports;
    }
  }
  syncBuiltinESMExports();
}

let active: Instrumentation[] = [];

/**
 * Starts the OpenTelemetry SDK. Call before creating anything that captures a tracer at
 * construction (BullMQOtel): created earlier, it silently emits nothing.
 *
 * What @opentelemetry/sdk-node's startNodeSdk did with these options, assembled from its parts
 * (tracer provider, AsyncLocalStorage context manager, W3C trace-context + baggage propagation,
 * resource from OTEL_RESOURCE_ATTRIBUTES + service.name): sdk-node imports every exporter it could
 * be configured with (gRPC, protobuf, Zipkin, Prometheus, logs, metrics), ~20 MB of RSS for code
 * this process never runs.
 */
export function startTelemetry(opts: TelemetryOptions): Telemetry {
  const otel: OtelEnv = {
    ...(opts.otlpEndpoint ? { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: opts.otlpEndpoint } : {}),
    ...opts.otel,
  };
  const url = tracesUrl(otel);
  const processors: SpanProcessor[] = [...(opts.spanProcessors ?? [])];
  if (url)
    processors.push(
      new BatchSpanProcessor({
        exporter: new OTLPTraceExporter({ url }),
        // The spec's OTEL_BSP_* variables (the SDK's defaults where unset), as sdk-node applied them.
        ...(otel.OTEL_BSP_SCHEDULE_DELAY === undefined
          ? {}
          : { scheduledDelayMillis: otel.OTEL_BSP_SCHEDULE_DELAY }),
        ...(otel.OTEL_BSP_EXPORT_TIMEOUT === undefined
          ? {}
          : { exportTimeoutMillis: otel.OTEL_BSP_EXPORT_TIMEOUT }),
        ...(otel.OTEL_BSP_MAX_QUEUE_SIZE === undefined ? {} : { maxQueueSize: otel.OTEL_BSP_MAX_QUEUE_SIZE }),
        ...(otel.OTEL_BSP_MAX_EXPORT_BATCH_SIZE === undefined
          ? {}
          : { maxExportBatchSize: otel.OTEL_BSP_MAX_EXPORT_BATCH_SIZE }),
      }),
    );
  // With no processor the SDK registers no tracer provider: keep one so trace ids still reach the
  // logs and are propagated to the workers.
  if (processors.length === 0) processors.push(new NoopSpanProcessor());
  const list = opts.instrument === false ? [] : instrumentations(opts.httpServerSpans !== false);
  const sampler = samplerFrom(otel.OTEL_TRACES_SAMPLER, otel.OTEL_TRACES_SAMPLER_ARG);
  diag.setLogger(new DiagConsoleLogger(), {
    logLevel: diagLogLevelFromString(process.env.OTEL_LOG_LEVEL ?? 'info'),
  });
  const contextManager = new AsyncLocalStorageContextManager().enable();
  const resource = defaultResource()
    .merge(detectResources({ detectors: [resourceAttributesEnvDetector] }))
    .merge(resourceFromAttributes({ 'service.name': otel.OTEL_SERVICE_NAME ?? opts.serviceName }));
  const provider = new TracerProvider({
    resource,
    spanProcessors: processors,
    ...(sampler ? { sampler } : {}),
  });
  context.setGlobalContextManager(contextManager);
  propagation.setGlobalPropagator(
    new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] }),
  );
  trace.setGlobalTracerProvider(provider);
  const unregister = registerInstrumentations({ instrumentations: list });
  patchLoaded(list);
  active = list;
  return {
    tracesUrl: url,
    shutdown: async () => {
      unregister();
      for (const i of list) i.disable();
      if (active === list) active = [];
      await provider.shutdown();
      // Globals go with it, so a later startTelemetry in the same process registers afresh.
      trace.disable();
      propagation.disable();
      context.disable();
    },
    forceFlush: async () => {
      await Promise.all(processors.map((p) => p.forceFlush()));
    },
  };
}

const tracer = (): Tracer => trace.getTracer('slipway');

/** Runs `fn` inside an active span; errors mark the span and propagate. */
export async function withSpan<T>(name: string, attrs: Attributes, fn: () => Promise<T>): Promise<T> {
  return tracer().startActiveSpan(name, { attributes: attrs }, async (span) => {
    try {
      return await fn();
    } catch (e) {
      failSpan(span, e);
      throw e;
    } finally {
      span.end();
    }
  });
}

function failSpan(span: Span, e: unknown): void {
  span.recordException(e as Error);
  span.setStatus({ code: SpanStatusCode.ERROR, message: (e as Error)?.message });
}

/** Adds attributes to the current span, if any (e.g. the authenticated user id). */
export function annotateSpan(attrs: Attributes): void {
  trace.getSpan(context.active())?.setAttributes(attrs);
}

const headerGetter: TextMapGetter<(name: string) => string | undefined> = {
  get: (header, key) => header(key),
  keys: () => [],
};

export type ServerSpan = {
  span: Span;
  /** The request's context: the span active, under the caller's trace if it sent one. */
  context: Context;
  /** Runs `fn` in that context. */
  run<T>(fn: () => T): T;
};

/**
 * An HTTP SERVER span for one incoming request, continuing the caller's trace when its headers carry
 * W3C `traceparent`/`tracestate` (and `baggage`), as the node:http instrumentation does. `header`
 * reads one request header by (lower-case) name. Name it `{method} {route}` and give it the stable
 * HTTP semantic-convention attributes (`http.request.method`, `url.path`, `http.route`, ...); end it
 * with `endServerSpan`.
 */
export function startServerSpan(
  name: string,
  header: (name: string) => string | undefined,
  attributes: Attributes,
): ServerSpan {
  const parent = propagation.extract(context.active(), header, headerGetter);
  const span = tracer().startSpan(name, { kind: SpanKind.SERVER, attributes }, parent);
  const ctx = trace.setSpan(parent, span);
  return { span, context: ctx, run: (fn) => context.with(ctx, fn) };
}

/**
 * Ends a server span with `http.response.status_code`; a 5xx marks it an error (`error.type` is the
 * status code, or the error's class when one was thrown), 4xx do not (the semantic conventions'
 * rule for server spans).
 */
export function endServerSpan(span: Span, status: number, error?: unknown): void {
  span.setAttribute('http.response.status_code', status);
  if (status >= 500) {
    if (error instanceof Error) span.recordException(error);
    span.setAttribute('error.type', error instanceof Error ? error.constructor.name : String(status));
    span.setStatus({ code: SpanStatusCode.ERROR });
  }
  span.end();
}

/**
 * Names the active HTTP server span (from the node:http instrumentation) by route pattern, as the
 * semantic conventions want (`POST /api/container-images`), and sets `http.route`.
 */
export function nameServerSpan(method: string, route: string): void {
  const span = trace.getSpan(context.active()) as (Span & { kind?: SpanKind }) | undefined;
  if (!span || span.kind !== SpanKind.SERVER) return;
  span.updateName(`${method} ${route}`);
  span.setAttribute('http.route', route);
}

/**
 * A zero-length span per SQL statement (drizzle's logQuery hook: it sees the text, not the end).
 * Prefer `instrumentPostgres`, which measures each query.
 */
export function traceQuery(statement: string): void {
  const parent = trace.getSpan(context.active());
  if (!parent) return;
  const span = tracer().startSpan('db.query', {
    attributes: { 'db.system.name': 'postgresql', 'db.query.text': statement.slice(0, 2000) },
  });
  span.end();
}

type PgQuery = {
  executed: boolean;
  strings: readonly string[];
  resolve: (x: unknown) => unknown;
  reject: (e: unknown) => unknown;
  handle: () => unknown;
};
const patchedQueries = new WeakSet<object>();

/**
 * postgres.js query spans with real durations: every query of this client (drizzle's, tagged
 * templates, inside transactions) gets a CLIENT span from the moment it is sent until its result or
 * error arrives. Only inside a trace (no root spans for background polling).
 */
export function instrumentPostgres(sql: { unsafe: (q: string) => unknown }): void {
  // postgres.js queries are lazy: building one without awaiting it sends nothing.
  const proto = Object.getPrototypeOf(sql.unsafe('select 1')) as PgQuery;
  if (patchedQueries.has(proto)) return;
  patchedQueries.add(proto);
  const handle = proto.handle;
  proto.handle = function instrumentedHandle(this: PgQuery) {
    if (!this.executed && trace.getSpan(context.active())) {
      const text =
        this.strings.length === 1
          ? (this.strings[0] ?? '')
          : this.strings.map((s, i) => (i ? `$${i}` : '') + s).join('');
      const operation = /^\s*(\w+)/.exec(text)?.[1]?.toUpperCase() ?? 'QUERY';
      const span = tracer().startSpan(`db.query ${operation}`, {
        kind: SpanKind.CLIENT,
        attributes: {
          'db.system.name': 'postgresql',
          'db.operation.name': operation,
          'db.query.text': text.slice(0, 2000),
        },
      });
      const { resolve, reject } = this;
      this.resolve = (x: unknown) => {
        const count = (x as { count?: unknown } | null)?.count;
        if (typeof count === 'number') span.setAttribute('db.response.returned_rows', count);
        span.end();
        return resolve(x);
      };
      this.reject = (e: unknown) => {
        failSpan(span, e);
        span.end();
        return reject(e);
      };
    }
    return handle.apply(this);
  };
}

/**
 * Spans around every driver call (`driver images.build`, ...): each function of each driver family
 * is wrapped; other properties pass through. Errors mark the span. Each family's proxy and each
 * wrapped function are made once (per family object, per function) and handed out again, instead
 * of a new proxy and closure on every property read (a processor reads several per operation).
 */
export function traceDrivers<T extends object>(drivers: T): T {
  const wrapFamily = (family: string, target: object) => {
    const wrapped = new Map<string, { fn: (...args: unknown[]) => unknown; traced: unknown }>();
    const proxy: object = new Proxy(target, {
      get(obj, prop) {
        const v = Reflect.get(obj, prop);
        if (typeof v !== 'function' || typeof prop !== 'string' || prop === 'constructor') return v;
        const cached = wrapped.get(prop);
        if (cached && cached.fn === v) return cached.traced;
        const traced = function tracedDriverCall(this: unknown, ...args: unknown[]) {
          const kind = (obj as { kind?: unknown }).kind;
          return tracer().startActiveSpan(
            `driver ${family}.${prop}`,
            {
              attributes: {
                'slipway.driver.family': family,
                ...(typeof kind === 'string' ? { 'slipway.driver.kind': kind } : {}),
              },
            },
            (span) => {
              try {
                const r = v.apply(this === proxy ? obj : this, args);
                if (r && typeof (r as Promise<unknown>).then === 'function')
                  return (r as Promise<unknown>).then(
                    (x) => {
                      span.end();
                      return x;
                    },
                    (e: unknown) => {
                      failSpan(span, e);
                      span.end();
                      throw e;
                    },
                  );
                span.end();
                return r;
              } catch (e) {
                failSpan(span, e);
                span.end();
                throw e;
              }
            },
          );
        };
        wrapped.set(prop, { fn: v, traced });
        return traced;
      },
    });
    return proxy;
  };
  const families = new Map<string, { target: object; proxy: object }>();
  return new Proxy(drivers, {
    get(obj, prop) {
      const v = Reflect.get(obj, prop);
      if (!v || typeof v !== 'object' || typeof prop !== 'string') return v;
      const cached = families.get(prop);
      if (cached && cached.target === v) return cached.proxy;
      const proxy = wrapFamily(prop, v);
      families.set(prop, { target: v, proxy });
      return proxy;
    },
  });
}

/**
 * BullMQ's OpenTelemetry bridge: spans for add/process and trace context carried inside each job,
 * so a worker's spans join the trace of the API request that enqueued it (service-to-service).
 * Create it after `startTelemetry`, or it silently emits nothing.
 */
export function queueTelemetry(): BullMQOtel {
  return new BullMQOtel({ tracerName: 'slipway-bullmq' });
}
