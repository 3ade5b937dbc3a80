import { z } from 'zod';

/** OTEL_TRACES_SAMPLER values the SDK understands. */
export const otelSamplers = [
  'always_on',
  'always_off',
  'traceidratio',
  'parentbased_always_on',
  'parentbased_always_off',
  'parentbased_traceidratio',
] as const;

const positiveInt = z.coerce.number().int().min(1);

/**
 * The standard OpenTelemetry variables the API and the worker read, one schema for both processes'
 * configs (spread into each one's zod object). `startTelemetry` takes the parsed values.
 */
export const otelEnvShape = {
  /** OTLP/HTTP trace endpoint, the full URL (e.g. http://collector:4318/v1/traces); wins over the base URL. */
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: z.url().optional(),
  /** OTLP/HTTP base URL (e.g. http://collector:4318): traces go to `<base>/v1/traces`. No exporter when neither is set. */
  OTEL_EXPORTER_OTLP_ENDPOINT: z.url().optional(),
  /** service.name on every span (default slipway-api / slipway-worker). */
  OTEL_SERVICE_NAME: z.string().min(1).optional(),
  /** The standard OTel sampler names (default parentbased_always_on). */
  OTEL_TRACES_SAMPLER: z.enum(otelSamplers).optional(),
  /** Ratio for the *traceidratio samplers, 0..1. */
  OTEL_TRACES_SAMPLER_ARG: z.coerce.number().min(0).max(1).optional(),
  /** Batch span processor: ms between two exports (default 5000). */
  OTEL_BSP_SCHEDULE_DELAY: z.coerce.number().int().min(0).optional(),
  /** Batch span processor: ms an export may take (default 30000). */
  OTEL_BSP_EXPORT_TIMEOUT: z.coerce.number().int().min(0).optional(),
  /** Batch span processor: spans kept waiting for export; past it new spans are dropped (default 2048). */
  OTEL_BSP_MAX_QUEUE_SIZE: positiveInt.optional(),
  /** Batch span processor: spans per export request, at most the queue size (default 512). */
  OTEL_BSP_MAX_EXPORT_BATCH_SIZE: positiveInt.optional(),
};
