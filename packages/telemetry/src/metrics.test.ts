import client from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createRegistry, HttpMetrics, renderPrometheusSync, serveMetrics, WorkerMetrics } from './metrics.ts';

describe('HttpMetrics', () => {
  it('computes count, average time, error and success rates', () => {
    const m = new HttpMetrics();
    m.record('GET', '/api/x', 200, 10);
    m.record('GET', '/api/x', 404, 20);
    m.record('POST', '/api/x', 500, 30);
    m.record('POST', '/api/x', 201, 40);
    const s = m.snapshot();
    expect(s.request_count).toBe(4);
    expect(s.average_response_time_ms).toBe(25);
    expect(s.error_rate).toBe(25);
    expect(s.success_rate).toBe(75);
    expect(s.by_route).toHaveLength(2);
    expect(m.prometheus()).toContain('slipway_http_requests_total{method="POST",route="/api/x"} 2');
  });

  it('exposes http_request_duration_seconds by method, route and status, and process metrics', () => {
    const m = new HttpMetrics();
    m.record('GET', '/api/x/:id', 200, 250); // 0.25 s
    m.record('GET', '/api/x/:id', 200, 500); // 0.5 s
    m.record('POST', '/api/x', 503, 2);
    const text = m.prometheus();
    expect(text).toContain('# TYPE http_request_duration_seconds histogram');
    const l = 'method="GET",route="/api/x/:id",status="200"';
    expect(text).toContain(`http_request_duration_seconds_bucket{le="0.1",${l}} 0`);
    expect(text).toContain(`http_request_duration_seconds_bucket{le="0.25",${l}} 1`);
    expect(text).toContain(`http_request_duration_seconds_bucket{le="0.5",${l}} 2`);
    expect(text).toContain(`http_request_duration_seconds_bucket{le="+Inf",${l}} 2`);
    expect(text).toContain(`http_request_duration_seconds_count{${l}} 2`);
    expect(text).toContain(`http_request_duration_seconds_sum{${l}} 0.75`);
    expect(text).toContain(
      'http_request_duration_seconds_count{method="POST",route="/api/x",status="503"} 1',
    );
    expect(text).toContain('slipway_http_errors_total{method="POST",route="/api/x"} 1');
    expect(text).toContain('slipway_http_errors_total{method="GET",route="/api/x/:id"} 0');
    expect(text).toMatch(/^process_cpu_user_seconds_total \d/m);
    expect(text).toMatch(/^nodejs_heap_size_used_bytes \d/m);
  });

  it("records exactly what prom-client's own API records, also after a reset", async () => {
    // record() updates prom-client's entries directly once a series exists: the same text as the
    // same updates made through prom-client's API, for every series, bucket and counter.
    const viaRecord = createRegistry({ processMetrics: false });
    const m = new HttpMetrics({ registry: viaRecord });
    const viaApi = createRegistry({ processMetrics: false });
    const h = new client.Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request duration in seconds, by method, route pattern and status code.',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [viaApi],
    });
    const counter = (name: string, help: string) =>
      new client.Counter({ name, help, labelNames: ['method', 'route'], registers: [viaApi] });
    const requests = counter('slipway_http_requests_total', 'HTTP requests handled.');
    const errors = counter('slipway_http_errors_total', 'HTTP requests answered with a 5xx.');
    const timeSum = counter('slipway_http_response_time_ms_sum', 'Sum of response times in milliseconds.');
    const seen = new Set<string>();
    const both = (method: string, route: string, status: number, ms: number) => {
      m.record(method, route, status, ms);
      if (!seen.has(`${method} ${route}`)) {
        seen.add(`${method} ${route}`);
        errors.inc({ method, route }, 0);
      }
      h.observe({ method, route, status: String(status) }, ms / 1000);
      requests.inc({ method, route });
      if (status >= 500) errors.inc({ method, route });
      timeSum.inc({ method, route }, ms);
    };
    const run = () => {
      for (const ms of [0.2, 3, 5, 7.5, 12, 60, 99, 250, 1000, 4000, 31000, 45000])
        for (const [method, route, status] of [
          ['GET', '/api/a/:id', 200],
          ['GET', '/api/a/:id', 404],
          ['POST', '/api/a', 201],
          ['POST', '/api/a', 503],
        ] as const)
          both(method, route, status, ms);
    };
    run();
    expect(await viaRecord.metrics()).toBe(await viaApi.metrics());
    // After a reset (a registry cleared), the series are made again on their next update.
    viaRecord.resetMetrics();
    viaApi.resetMetrics();
    run();
    run();
    expect(await viaRecord.metrics()).toBe(await viaApi.metrics());
    expect(m.snapshot().request_count).toBe(144);
  });

  it("the synchronous rendering equals prom-client's own", async () => {
    const registry = createRegistry({ processMetrics: false });
    const h = new client.Histogram({
      name: 'h_seconds',
      help: 'a "histogram"\nwith a newline',
      labelNames: ['a'],
      buckets: [0.1, 1],
      registers: [registry],
    });
    const c = new client.Counter({ name: 'c_total', help: 'c', labelNames: ['k'], registers: [registry] });
    const g = new client.Gauge({ name: 'g', help: 'g', registers: [registry] });
    new client.Counter({ name: 'untouched_total', help: 'never incremented', registers: [registry] });
    h.observe({ a: 'x"y' }, 0.05);
    h.observe({ a: 'x"y' }, 5);
    h.observe({ a: 'z' }, 0.5);
    c.inc({ k: 'v' }, 3);
    g.set(Number.POSITIVE_INFINITY);
    const m = new HttpMetrics({ registry });
    m.record('GET', '/a', 200, 12.5);
    expect(renderPrometheusSync(registry)).toBe(await registry.metrics());
  });
});

describe('WorkerMetrics', () => {
  it('operation durations, reconciler actions and queue depth read at scrape time', async () => {
    let waiting = 3;
    const m = new WorkerMetrics({
      processMetrics: false,
      queues: [
        { name: 'images', getJobCounts: async () => ({ waiting, active: 1, delayed: 0, failed: 2 }) },
        { name: 'ai', getJobCounts: async () => Promise.reject(new Error('redis down')) },
      ],
    });
    m.observeOperation('image.build', 'succeeded', 1.5);
    m.observeOperation('image.build', 'failed', 0.2);
    m.recordSweep({ reenqueued: 2, redriven: 0, failed: 1 });
    let text = await m.metrics();
    expect(text).toContain(
      'slipway_operation_duration_seconds_count{kind="image.build",outcome="succeeded"} 1',
    );
    expect(text).toContain(
      'slipway_operation_duration_seconds_bucket{le="0.5",kind="image.build",outcome="failed"} 1',
    );
    expect(text).toContain('slipway_reconciler_actions_total{action="reenqueued"} 2');
    expect(text).toContain('slipway_reconciler_actions_total{action="redriven"} 0');
    expect(text).toContain('slipway_reconciler_actions_total{action="failed"} 1');
    expect(text).toContain('slipway_queue_jobs{queue="images",state="waiting"} 3');
    expect(text).toContain('slipway_queue_jobs{queue="images",state="failed"} 2');
    expect(text).not.toContain('queue="ai"');
    waiting = 7;
    text = await m.metrics();
    expect(text).toContain('slipway_queue_jobs{queue="images",state="waiting"} 7');
  });

  it('serveMetrics answers /metrics and /healthz over HTTP', async () => {
    const m = new WorkerMetrics();
    m.observeOperation('chart.validate', 'succeeded', 0.3);
    let healthy = true;
    const server = await serveMetrics({
      port: 0,
      host: '127.0.0.1',
      registry: m.registry,
      healthy: () => healthy,
    });
    const a = server.address();
    const base = `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`;
    try {
      const r = await fetch(`${base}/metrics`);
      expect(r.status).toBe(200);
      expect(r.headers.get('content-type')).toContain('text/plain');
      const text = await r.text();
      expect(text).toContain(
        'slipway_operation_duration_seconds_count{kind="chart.validate",outcome="succeeded"} 1',
      );
      expect(text).toMatch(/^process_resident_memory_bytes \d/m);
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
      healthy = false;
      expect((await fetch(`${base}/healthz`)).status).toBe(503);
      expect((await fetch(`${base}/nope`)).status).toBe(404);
    } finally {
      await new Promise((ok) => server.close(ok));
    }
  });
});
