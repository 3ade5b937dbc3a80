import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace';
import { createImage } from '@slipway/core';
import { queueTelemetry, startTelemetry, withSpan } from '@slipway/telemetry';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type WorkerHarness } from './test-harness.ts';

describe('tracing across the queue (service-to-service)', () => {
  const exporter = new InMemorySpanExporter();
  const otel = startTelemetry({
    serviceName: 'test',
    spanProcessors: [new SimpleSpanProcessor({ exporter })],
  });
  let h: WorkerHarness;
  beforeAll(async () => {
    // After startTelemetry, or BullMQOtel emits nothing.
    h = await startHarness({}, { telemetry: queueTelemetry() });
  });
  afterAll(async () => {
    await h.close();
    await otel.shutdown();
  });

  it("the worker's operation span joins the trace of the request that enqueued it", async () => {
    const op = await withSpan('HTTP POST /api/container-images', {}, async () => {
      const { operation } = await createImage(h.deps, h.owner, {
        name: 'traced',
        tag: 'v1',
        repository: 'r',
      });
      return operation;
    });
    expect((await h.settle(op)).status).toBe('succeeded');
    // The operation's row settles before its job's span ends (the span closes when the handler
    // returns, after the settling commit): wait for the span itself, not only the row.
    const ended = () => exporter.getFinishedSpans().some((s) => s.name === 'operation image.build');
    for (let i = 0; i < 100 && !ended(); i++) {
      await otel.forceFlush();
      if (!ended()) await new Promise((r) => setTimeout(r, 50));
    }
    const spans = exporter.getFinishedSpans();
    const root = spans.find((s) => s.name === 'HTTP POST /api/container-images');
    const work = spans.find((s) => s.name === 'operation image.build');
    expect(root).toBeDefined();
    expect(work).toBeDefined();
    expect(work?.spanContext().traceId).toBe(root?.spanContext().traceId);
  });
});
