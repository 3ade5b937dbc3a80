import { createServer } from 'node:http';
import { trace } from '@opentelemetry/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTelemetry, type Telemetry } from './tracing.ts';

// The OTEL_BSP_* variables reach the batch span processor: spans per export request, for one.
describe('OTEL_BSP_* settings', () => {
  const exports: number[] = [];
  const server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(parts).toString()) as {
        resourceSpans: { scopeSpans: { spans: unknown[] }[] }[];
      };
      exports.push(body.resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans)).length);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  let telemetry: Telemetry;
  beforeAll(async () => {
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    const port = (server.address() as { port: number }).port;
    telemetry = startTelemetry({
      serviceName: 'bsp-test',
      instrument: false,
      otel: {
        OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`,
        OTEL_BSP_MAX_EXPORT_BATCH_SIZE: 2,
        OTEL_BSP_MAX_QUEUE_SIZE: 10,
        OTEL_BSP_SCHEDULE_DELAY: 60_000,
      },
    });
  });
  afterAll(async () => {
    await telemetry.shutdown();
    await new Promise<void>((ok) => server.close(() => ok()));
  });

  it('exports at most OTEL_BSP_MAX_EXPORT_BATCH_SIZE spans per request', async () => {
    const tracer = trace.getTracer('t');
    // With the default (512) these 5 would go in one request.
    for (let i = 0; i < 5; i++) tracer.startSpan(`s${i}`).end();
    await telemetry.forceFlush();
    expect(exports.reduce((a, b) => a + b, 0)).toBe(5);
    expect(Math.max(...exports)).toBe(2);
    expect(exports.length).toBeGreaterThanOrEqual(3);
  });
});
