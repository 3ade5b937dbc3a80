// The API's HTTP server spans come from the observe middleware (main.ts turns off the node:http
// instrumentation's incoming spans): one SERVER span per request, named by route, with the HTTP
// semantic-convention attributes, continuing an incoming W3C traceparent, parent of the request's
// database and Redis spans; the request log line carries its ids; probes get no span.
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace';
import { createLogger, instrumentPostgres, startTelemetry } from '@slipway/telemetry';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type App, createApp } from '../app.ts';
import { createTestApi, type TestApi } from '../test-helpers.ts';

const exporter = new InMemorySpanExporter();
const telemetry = startTelemetry({
  serviceName: 'api-under-test',
  spanProcessors: [new SimpleSpanProcessor({ exporter })],
  httpServerSpans: false,
});

describe('server spans from the observe middleware', () => {
  let api: TestApi;
  let app: App;
  const lines: Record<string, unknown>[] = [];
  beforeAll(async () => {
    api = await createTestApi();
    instrumentPostgres(api.db.sql);
    const log = createLogger({
      name: 'api',
      level: 'info',
      destination: { write: (l: string) => lines.push(JSON.parse(l) as Record<string, unknown>) },
    });
    app = createApp({ ...api.deps, log });
  });
  afterAll(async () => {
    await api?.close();
    await telemetry.shutdown();
  });
  beforeEach(() => {
    exporter.reset();
    lines.length = 0;
  });
  const finished = async () => {
    await telemetry.forceFlush();
    return exporter.getFinishedSpans();
  };

  it('continues an incoming traceparent: SERVER span named by route, semantic attributes, children, log ids', async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const parentId = '00f067aa0ba902b7';
    const res = await app.request('/api/deployments', {
      headers: {
        authorization: `Bearer ${api.alice.token}`,
        traceparent: `00-${traceId}-${parentId}-01`,
        'user-agent': 'observe-test/1.0',
      },
    });
    expect(res.status).toBe(200);
    const spans = await finished();
    const servers = spans.filter((s) => s.kind === 1);
    expect(servers.map((s) => s.name)).toEqual(['GET /api/deployments']);
    const server = servers[0];
    if (!server) throw new Error('no server span');
    expect(server.spanContext().traceId).toBe(traceId);
    expect(server.parentSpanContext?.spanId).toBe(parentId);
    expect(server.parentSpanContext?.isRemote).toBe(true);
    expect(server.attributes).toMatchObject({
      'http.request.method': 'GET',
      'url.path': '/api/deployments',
      'url.scheme': 'http',
      'http.route': '/api/deployments',
      'http.response.status_code': 200,
      'user_agent.original': 'observe-test/1.0',
      'enduser.id': api.alice.id,
      'slipway.request_id': res.headers.get('x-request-id'),
    });
    expect(server.status.code).toBe(0);
    // The request's database queries and its rate-limit script run under it.
    const children = spans.filter((s) => s.parentSpanContext?.spanId === server.spanContext().spanId);
    expect(children.some((s) => s.name.startsWith('db.query'))).toBe(true);
    expect(
      children.some((s) => s.instrumentationScope.name === '@opentelemetry/instrumentation-ioredis'),
    ).toBe(true);
    expect(spans.every((s) => s.spanContext().traceId === traceId)).toBe(true);
    // The request log line carries the server span's ids.
    const line = lines.find((l) => l.msg === 'request');
    expect(line).toMatchObject({
      route: '/api/deployments',
      status: 200,
      trace_id: traceId,
      span_id: server.spanContext().spanId,
    });
  });

  it('starts a new trace without traceparent; 4xx is not an error; probes get no span', async () => {
    const missing = await app.request('/api/deployments/00000000-0000-4000-8000-000000000000', {
      headers: { authorization: `Bearer ${api.alice.token}` },
    });
    expect(missing.status).toBe(404);
    expect((await app.request('/healthz')).status).toBe(200);
    const servers = (await finished()).filter((s) => s.kind === 1);
    expect(servers.map((s) => s.name)).toEqual(['GET /api/deployments/:id']);
    expect(servers[0]?.parentSpanContext).toBeUndefined();
    expect(servers[0]?.attributes['http.response.status_code']).toBe(404);
    expect(servers[0]?.status.code).toBe(0);
    // The probe is still logged and counted.
    expect(lines.filter((l) => l.msg === 'request').map((l) => l.route)).toEqual([
      '/api/deployments/:id',
      '/healthz',
    ]);
  });
});
