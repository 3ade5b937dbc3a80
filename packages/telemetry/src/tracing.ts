import { type Attributes, context, SpanStatusCode, trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { startNodeSdk } from '@opentelemetry/sdk-node';
import { BatchSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace';
import { BullMQOtel } from 'bullmq-otel';

export type TelemetryOptions = {
  serviceName: string;
  /** OTLP/HTTP endpoint (e.g. http://collector:4318/v1/traces); no exporter when absent. */
  otlpEndpoint?: string | undefined;
  /** Extra processors (tests pass a SimpleSpanProcessor over an InMemorySpanExporter). */
  spanProcessors?: SpanProcessor[];
};

export type Telemetry = { shutdown(): Promise<void>; forceFlush(): Promise<void> };

/**
 * Starts the OpenTelemetry SDK. Call before creating anything that captures a tracer at
 * construction (BullMQOtel): created earlier, it silently emits nothing.
 */
export function startTelemetry(opts: TelemetryOptions): Telemetry {
  const processors: SpanProcessor[] = [...(opts.spanProcessors ?? [])];
  if (opts.otlpEndpoint)
    processors.push(new BatchSpanProcessor({ exporter: new OTLPTraceExporter({ url: opts.otlpEndpoint }) }));
  const sdk = startNodeSdk({
    resourceAttributes: { 'service.name': opts.serviceName },
    resourceDetectors: [],
    spanProcessors: processors,
    metricReaders: [],
    logRecordProcessors: [],
    instrumentations: [],
  });
  return {
    shutdown: () => sdk.shutdown(),
    forceFlush: async () => {
      await Promise.all(processors.map((p) => p.forceFlush()));
    },
  };
}

const tracer = () => trace.getTracer('slipway');

/** Runs `fn` inside an active span; errors mark the span and propagate. */
export async function withSpan<T>(name: string, attrs: Attributes, fn: () => Promise<T>): Promise<T> {
  return tracer().startActiveSpan(name, { attributes: attrs }, async (span) => {
    try {
      return await fn();
    } catch (e) {
      span.recordException(e as Error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: (e as Error)?.message });
      throw e;
    } finally {
      span.end();
    }
  });
}

/** Adds attributes to the current span, if any (e.g. the authenticated user id). */
export function annotateSpan(attrs: Attributes): void {
  trace.getSpan(context.active())?.setAttributes(attrs);
}

/** Database tracing: one child span per SQL statement (passed to createDb as onQuery). */
export function traceQuery(statement: string): void {
  const parent = trace.getSpan(context.active());
  if (!parent) return;
  const span = tracer().startSpan('db.query', {
    attributes: { 'db.system.name': 'postgresql', 'db.query.text': statement.slice(0, 2000) },
  });
  span.end();
}

/**
 * BullMQ's OpenTelemetry bridge: spans for add/process and trace context carried inside each job,
 * so a worker's spans join the trace of the API request that enqueued it (service-to-service).
 * Create it after `startTelemetry`, or it silently emits nothing.
 */
export function queueTelemetry(): BullMQOtel {
  return new BullMQOtel({ tracerName: 'slipway-bullmq' });
}
