// One POST /api/container-images through the real API and worker processes, both exporting to a
// local OTLP/HTTP receiver (a real HTTP server decoding the JSON export): the request, its database
// and Redis calls, the BullMQ producer span, the worker's processing span, the operation and the
// driver call are one trace across the two processes. Also: the log lines carry its ids, and both
// processes' Prometheus endpoints show the request and the operation.
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { gunzipSync } from 'node:zlib';
import {
  createTestDatabase,
  freePort,
  ProcessCluster,
  READY,
  type TestDatabase,
  testPrefix,
  testRedisUrl,
  waitUntil,
} from '@slipway/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

type OtlpValue = {
  stringValue?: string;
  intValue?: string | number;
  boolValue?: boolean;
  doubleValue?: number;
};
type OtlpSpan = {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes?: { key: string; value: OtlpValue }[];
};
type Received = OtlpSpan & { service: string; scope: string; attrs: Record<string, unknown> };

// OTLP's SpanKind enum (the wire one, offset by one from the API's).
const KIND = { INTERNAL: 1, SERVER: 2, CLIENT: 3, PRODUCER: 4, CONSUMER: 5 };

/** A minimal OTLP/HTTP trace receiver: POST /v1/traces with the JSON encoding. */
class OtlpReceiver {
  readonly spans: Received[] = [];
  readonly paths: string[] = [];
  private server: Server | null = null;
  port = 0;

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        this.paths.push(req.url ?? '');
        let body = Buffer.concat(chunks);
        if (req.headers['content-encoding'] === 'gzip') body = gunzipSync(body);
        if (req.method !== 'POST' || !String(req.headers['content-type']).includes('application/json')) {
          res.writeHead(415).end();
          return;
        }
        const payload = JSON.parse(body.toString('utf8')) as {
          resourceSpans: {
            resource: { attributes: { key: string; value: OtlpValue }[] };
            scopeSpans: { scope: { name: string }; spans: OtlpSpan[] }[];
          }[];
        };
        for (const rs of payload.resourceSpans ?? []) {
          const service =
            rs.resource.attributes.find((a) => a.key === 'service.name')?.value.stringValue ?? '?';
          for (const ss of rs.scopeSpans ?? [])
            for (const s of ss.spans ?? [])
              this.spans.push({
                ...s,
                service,
                scope: ss.scope.name,
                attrs: Object.fromEntries(
                  (s.attributes ?? []).map((a) => [
                    a.key,
                    a.value.stringValue ?? a.value.intValue ?? a.value.boolValue ?? a.value.doubleValue,
                  ]),
                ),
              });
        }
        res.writeHead(200, { 'Content-Type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((ok) => this.server?.listen(0, '127.0.0.1', ok));
    const a = this.server.address();
    this.port = typeof a === 'object' && a ? a.port : 0;
  }

  stop(): Promise<void> {
    return new Promise((ok) => (this.server ? this.server.close(() => ok()) : ok()));
  }
}

describe('one trace across the API and a worker, exported over OTLP/HTTP', () => {
  const receiver = new OtlpReceiver();
  const cluster = new ProcessCluster();
  let t: TestDatabase;
  let base = '';
  let workerMetrics = '';
  let token = '';
  let adminToken = '';
  const admin = { email: 'otel@e2e.local', password: `pw-${randomBytes(6).toString('hex')}` };

  beforeAll(async () => {
    await receiver.start();
    t = await createTestDatabase();
    const prefix = testPrefix();
    const apiPort = await freePort();
    const metricsPort = await freePort();
    base = `http://127.0.0.1:${apiPort}`;
    workerMetrics = `http://127.0.0.1:${metricsPort}/metrics`;
    const common = {
      DATABASE_URL: t.url,
      REDIS_URL: testRedisUrl(),
      QUEUE_PREFIX: prefix,
      DRIVER: 'sandbox',
      LOG_LEVEL: 'info',
    };
    const api = cluster.api('api', {
      ...common,
      PORT: String(apiPort),
      JWT_SECRET: randomBytes(32).toString('hex'),
      ADMIN_EMAIL: admin.email,
      ADMIN_PASSWORD: admin.password,
      // The base URL form: the API appends /v1/traces.
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${receiver.port}`,
    });
    const worker = cluster.worker('worker-otel', {
      ...common,
      SANDBOX_TIME_SCALE: '0.05',
      WORKER_METRICS_PORT: String(metricsPort),
      // The full URL form, used as is.
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `http://127.0.0.1:${receiver.port}/v1/traces`,
      OTEL_SERVICE_NAME: 'slipway-worker-under-test',
    });
    await Promise.all([api.start(READY.api, 60_000), worker.start(READY.worker, 60_000)]);
    const login = await fetch(`${base}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(admin),
    });
    adminToken = ((await login.json()) as { access_token: string }).access_token;
    token = adminToken;
  }, 120_000);

  afterAll(async () => {
    await cluster.killAll();
    await receiver.stop();
    await t?.drop();
  });

  it('POST /api/container-images -> API, db, BullMQ producer, worker, operation and driver spans in one trace', async () => {
    const created = await fetch(`${base}/api/container-images`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ name: 'otel-traced', tag: 'v1', repository: 'docker.io/otel' }),
    });
    expect(created.status).toBe(201);
    const image = (await created.json()) as { id: string };
    await waitUntil(
      'the image to be built',
      async () => {
        const r = await fetch(`${base}/api/container-images/${image.id}`, {
          headers: { authorization: `Bearer ${token}` },
        });
        return ((await r.json()) as { status: string }).status === 'built';
      },
      60_000,
    );

    // Both processes export in batches (every 5 s): wait for the worker's driver span to arrive.
    const serverSpan = () =>
      receiver.spans.find((s) => s.kind === KIND.SERVER && s.name === 'POST /api/container-images');
    await waitUntil(
      'the trace to reach the receiver from both processes',
      () => {
        const root = serverSpan();
        return (
          !!root && receiver.spans.some((s) => s.traceId === root.traceId && s.name === 'driver images.build')
        );
      },
      30_000,
    );
    const root = serverSpan();
    if (!root) throw new Error('no server span');
    const trace = receiver.spans.filter((s) => s.traceId === root.traceId);
    const from = (service: string) => trace.filter((s) => s.service === service);
    const api = from('slipway-api');
    const worker = from('slipway-worker-under-test');
    const describeTrace = trace.map((s) => `${s.service} ${s.kind} ${s.name}`).join('\n');

    // Exported where each variable said: base URL + /v1/traces, and the full URL as given.
    expect(new Set(receiver.paths)).toEqual(new Set(['/v1/traces']));

    // The API's HTTP server span (its observe middleware; one per request), named by route, is the root.
    expect(root.service).toBe('slipway-api');
    expect(root.parentSpanId ?? '').toBe('');
    expect(root.attrs['http.route']).toBe('/api/container-images');
    expect(root.attrs['http.request.method']).toBe('POST');
    expect(root.attrs['url.path']).toBe('/api/container-images');
    expect(root.attrs['http.response.status_code']).toBe(201);
    expect(
      api.filter((s) => s.kind === KIND.SERVER),
      describeTrace,
    ).toHaveLength(1);

    // Its database spans, measured: each ends at or after it starts, and they are not all points.
    const db = api.filter((s) => s.name.startsWith('db.query'));
    expect(db.length, describeTrace).toBeGreaterThanOrEqual(2);
    for (const s of db) expect(BigInt(s.endTimeUnixNano) >= BigInt(s.startTimeUnixNano)).toBe(true);
    expect(db.some((s) => BigInt(s.endTimeUnixNano) > BigInt(s.startTimeUnixNano))).toBe(true);
    expect(db.some((s) => String(s.attrs['db.query.text']).toLowerCase().includes('insert'))).toBe(true);

    // The BullMQ producer span (and the Redis commands under it), in the API.
    const producer = api.find((s) => s.kind === KIND.PRODUCER);
    expect(producer, describeTrace).toBeDefined();
    expect(
      api.some((s) => s.scope === '@opentelemetry/instrumentation-ioredis'),
      describeTrace,
    ).toBe(true);

    // The worker's processing span, the operation and the driver call, in the worker process.
    const consumer = worker.find((s) => s.kind === KIND.CONSUMER);
    expect(consumer, describeTrace).toBeDefined();
    const operation = worker.find((s) => s.name === 'operation image.build');
    const driver = worker.find((s) => s.name === 'driver images.build');
    expect(operation, describeTrace).toBeDefined();
    expect(driver?.attrs['slipway.driver.kind']).toBe('sandbox');
    // Parent links hold inside the worker: driver call under the operation.
    const byId = new Map(trace.map((s) => [s.spanId, s]));
    const ancestors = (s: Received | undefined): string[] => {
      const out: string[] = [];
      for (
        let p = s?.parentSpanId ? byId.get(s.parentSpanId) : undefined;
        p;
        p = p.parentSpanId ? byId.get(p.parentSpanId) : undefined
      )
        out.push(p.name);
      return out;
    };
    expect(ancestors(driver)).toContain('operation image.build');
    // The worker's database spans are measured too.
    expect(
      worker.some((s) => s.name.startsWith('db.query')),
      describeTrace,
    ).toBe(true);

    // Log lines written while serving the request carry its trace id.
    const apiLogs = cluster.processes[0]?.output ?? [];
    expect(
      apiLogs.some((l) => l.includes(`"trace_id":"${root.traceId}"`) && l.includes('"msg":"request"')),
    ).toBe(true);
  }, 120_000);

  it('the API and the worker expose prom-client metrics for what just happened', async () => {
    const apiText = await (
      await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${adminToken}` } })
    ).text();
    expect(apiText).toMatch(
      /^http_request_duration_seconds_count\{method="POST",route="\/api\/container-images",status="201"\} 1$/m,
    );
    expect(apiText).toMatch(/^process_cpu_user_seconds_total \d/m);
    expect(apiText).toContain('slipway_http_requests_total{method="POST",route="/api/container-images"} 1');

    await waitUntil(
      'the operation duration to be recorded',
      async () =>
        (await (await fetch(workerMetrics)).text()).includes('kind="image.build",outcome="succeeded"'),
      10_000,
    );
    const text = await (await fetch(workerMetrics)).text();
    expect(text).toMatch(
      /^slipway_operation_duration_seconds_count\{kind="image.build",outcome="succeeded"\} 1$/m,
    );
    expect(text).toMatch(/^slipway_queue_jobs\{queue="images",state="completed"\} 1$/m);
    expect(text).toMatch(/^slipway_queue_jobs\{queue="images",state="waiting"\} 0$/m);
    expect(text).toContain('slipway_reconciler_actions_total{action="reenqueued"}');
    expect(text).toMatch(/^nodejs_eventloop_lag_seconds \d/m);
    expect((await fetch(workerMetrics.replace('/metrics', '/healthz'))).status).toBe(200);
  });
});
