import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace';
import { afterAll, describe, expect, it } from 'vitest';
import { startTelemetry, traceQuery, withSpan } from './tracing.ts';

describe('tracing', () => {
  const exporter = new InMemorySpanExporter();
  const t = startTelemetry({ serviceName: 'test', spanProcessors: [new SimpleSpanProcessor({ exporter })] });
  afterAll(() => t.shutdown());

  it('records a span per withSpan, child db spans, and marks errors', async () => {
    await withSpan('outer', { a: 1 }, async () => {
      traceQuery('select 1');
    });
    await expect(withSpan('boom', {}, async () => Promise.reject(new Error('x')))).rejects.toThrow('x');
    await t.forceFlush();
    const spans = exporter.getFinishedSpans();
    const names = spans.map((s) => s.name);
    expect(names).toEqual(expect.arrayContaining(['outer', 'db.query', 'boom']));
    const outer = spans.find((s) => s.name === 'outer');
    const db = spans.find((s) => s.name === 'db.query');
    expect(db?.parentSpanContext?.spanId).toBe(outer?.spanContext().spanId);
    expect(spans.find((s) => s.name === 'boom')?.status.code).toBe(2);
  });
});
