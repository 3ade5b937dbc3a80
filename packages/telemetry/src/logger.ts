import { context, isSpanContextValid, trace } from '@opentelemetry/api';
import { pino } from 'pino';

export type LoggerOptions = {
  name: string;
  level?: string;
  /** Where lines go; stdout, written asynchronously (see `createLogger`), unless given. */
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

/**
 * JSON logs with secrets redacted wherever they might appear; lines written inside a span carry its ids.
 *
 * Stdout is written asynchronously (sonic-boom `sync: false`): a line goes out at once when no
 * write is in flight, and the lines logged while one is are joined into the next write. pino's
 * default (one synchronous `write` syscall per line) was ~20% of the API's CPU per status poll at
 * LOG_LEVEL=info (issue 10). pino flushes what is buffered on exit (`process.exit`, the end of the
 * event loop, fatal signals handled by the apps); only a SIGKILL can lose the lines of the write
 * in flight.
 */
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
  return pino(options, opts.destination ?? pino.destination({ dest: 1, sync: false }));
}

export type { Logger } from 'pino';

/**
 * A logger for lines of one fixed shape whose fields are never secret (the API's request log: method,
 * path without its query, route, status, ms, request and user ids): the same destination, name,
 * level (following `log`'s level changes) and trace ids as `log`, without redaction. Redaction
 * copies each line's object on its way out (@pinojs/redact's selective clone, for the wildcard
 * paths): 22 µs against 9 µs per request line in a micro-benchmark here, ~3% of a status poll.
 * Anything that is not a pino logger (a test's silent logger) is returned as it is.
 */
export function fixedShapeLogger<L extends object>(log: L): L {
  const base = log as unknown as pino.Logger;
  const stream = (log as Record<symbol, unknown>)[pino.symbols.streamSym] as
    | pino.DestinationStream
    | undefined;
  if (!stream || typeof base.on !== 'function' || typeof base.bindings !== 'function') return log;
  // One sibling (and one level listener) per logger, however many apps are built on it.
  let plain = siblings.get(base);
  if (!plain) {
    const { name } = base.bindings() as { name?: string };
    const made = pino({ ...(name ? { name } : {}), level: base.level, mixin: traceFields }, stream);
    base.on('level-change', (_label, _value, _prev, _prevValue, logger) => {
      if (logger === base) made.level = base.level;
    });
    siblings.set(base, made);
    plain = made;
  }
  return plain as unknown as L;
}
const siblings = new WeakMap<pino.Logger, pino.Logger>();

/** The API's request log line: one per request, this shape only (nothing secret in it). */
export type RequestLine = {
  method: string;
  path: string;
  route: string;
  status: number;
  ms: number;
  requestId: string | undefined;
  userId: string | null;
};

const str = (s: string | undefined) => (s === undefined ? undefined : JSON.stringify(s));

/**
 * Writes request lines (`msg: "request"`; level error for a 5xx, info otherwise) as `fixedShapeLogger(log)`
 * writes them, byte for byte in pino's layout (level, time, the logger's bindings, the trace ids,
 * the fields, msg), but as one string built here: pino's generic path (the mixin object merged into
 * the line's, each value type-checked and quoted, the level and hook lookups) was most of the cost
 * of the request line under a status-poll load. Follows `log`'s level as it changes; a logger this
 * cannot write for (not pino, a stream that wants pino's metadata, a custom message key) gets the
 * lines through `fixedShapeLogger(log)` instead.
 */
export function requestLineWriter(log: object): (line: RequestLine) => void {
  const base = log as unknown as pino.Logger & Record<symbol, unknown>;
  const s = pino.symbols;
  const stream = base[s.streamSym] as (pino.DestinationStream & Record<symbol, unknown>) | undefined;
  const levels = base[s.lsCacheSym] as Record<number, string> | undefined;
  if (
    !stream ||
    !levels ||
    typeof base[s.timeSym] !== 'function' ||
    stream[s.needsMetadataGsym] ||
    base[s.messageKeySym] !== 'msg' ||
    base[s.mixinSym] !== traceFields
  ) {
    const plain = fixedShapeLogger(log) as unknown as pino.Logger;
    return (line) => (line.status >= 500 ? plain.error(line, 'request') : plain.info(line, 'request'));
  }
  const time = base[s.timeSym] as () => string;
  return (line) => {
    const level = line.status >= 500 ? 50 : 30;
    if (level < base.levelVal) return;
    let out = `${levels[level]}${time()}${base[s.chindingsSym] as string}`;
    const sc = trace.getSpan(context.active())?.spanContext();
    if (sc && isSpanContextValid(sc))
      out += `,"trace_id":"${sc.traceId}","span_id":"${sc.spanId}","trace_flags":"${`0${sc.traceFlags.toString(16)}`.slice(-2)}"`;
    out += `,"method":${str(line.method)},"path":${str(line.path)},"route":${str(line.route)},"status":${line.status},"ms":${line.ms}`;
    if (line.requestId !== undefined) out += `,"requestId":${str(line.requestId)}`;
    out += `,"userId":${line.userId === null ? 'null' : str(line.userId)},"msg":"request"}\n`;
    stream.write(out);
  };
}
