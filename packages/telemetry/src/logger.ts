import { context, isSpanContextValid, trace } from '@opentelemetry/api';
import { pino } from 'pino';

export type LoggerOptions = {
  name: string;
  level?: string;
  /** Where lines go; stdout (pino's default, synchronous) unless given. */
  destination?: pino.DestinationStream;
};

/**
 * The active span's ids, as @opentelemetry/instrumentation-pino writes them (`trace_id`, `span_id`,
 * `trace_flags`), so a log line can be found from its trace and the other way round.
 */
export function traceFields(): Record<string, string> {
  const sc = trace.getSpan(context.active())?.spanContext();
  if (!sc || !isSpanContextValid(sc)) return {};
  return {
    trace_id: sc.traceId,
    span_id: sc.spanId,
    trace_flags: `0${sc.traceFlags.toString(16)}`.slice(-2),
  };
}

/** JSON logs with secrets redacted wherever they might appear; lines written inside a span carry its ids. */
export function createLogger(opts: LoggerOptions): pino.Logger {
  const options: pino.LoggerOptions = {
    name: opts.name,
    level: opts.level ?? 'info',
    mixin: traceFields,
    redact: {
      paths: [
        'password',
        '*.password',
        'access_token',
        'refresh_token',
        '*.access_token',
        '*.refresh_token',
        'req.headers.authorization',
        'headers.authorization',
        'authorization',
      ],
      censor: '[redacted]',
    },
  };
  return opts.destination ? pino(options, opts.destination) : pino(options);
}

export type { Logger } from 'pino';
