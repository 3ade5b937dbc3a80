// What the two feature floors (floor-server.ts, floor-worker.ts) share: the request/operation log
// (pino at info, trace ids mixed in, stdout written asynchronously) and a statement's CLIENT span.
import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { pino } from 'pino';

export const tracer = trace.getTracer('floor');

export function floorLogger(name: string): pino.Logger {
  return pino(
    {
      name,
      level: 'info',
      mixin: () => {
        const sc = trace.getSpan(context.active())?.spanContext();
        return sc ? { trace_id: sc.traceId, span_id: sc.spanId } : {};
      },
    },
    pino.destination({ dest: 1, sync: false }),
  );
}

/** A statement under a CLIENT span (db.system.name, db.operation.name, db.query.text, rows). */
export async function traced<T>(text: string, run: () => Promise<T>): Promise<T> {
  const op = /^\s*(\w+)/.exec(text)?.[1]?.toUpperCase() ?? 'QUERY';
  const span = tracer.startSpan(`db.query ${op}`, {
    kind: SpanKind.CLIENT,
    attributes: { 'db.system.name': 'postgresql', 'db.operation.name': op, 'db.query.text': text },
  });
  try {
    const result = await run();
    if (Array.isArray(result)) span.setAttribute('db.response.returned_rows', result.length);
    return result;
  } catch (e) {
    span.recordException(e as Error);
    span.setStatus({ code: SpanStatusCode.ERROR });
    throw e;
  } finally {
    span.end();
  }
}
