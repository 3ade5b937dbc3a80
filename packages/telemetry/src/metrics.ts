// Metrics, with prom-client: the API's HTTP histogram and the workers' operation, queue and
// reconciler metrics, each process with the default process metrics (CPU, memory, event loop, GC).
// HttpMetrics also keeps the contract's Monitoring numbers (request count, average response time,
// error and success rate) for GET /api/system/metrics.
import { createServer, type Server } from 'node:http';
import client from 'prom-client';

export type { Registry } from 'prom-client';

type Bucket = { count: number; errors: number; totalMs: number };

export type MetricsSnapshot = {
  request_count: number;
  average_response_time_ms: number;
  error_rate: number;
  success_rate: number;
  by_route: {
    method: string;
    route: string;
    request_count: number;
    average_response_time_ms: number;
    error_rate: number;
  }[];
};

/** Seconds; spans a fast cache hit to a slow synchronous AI call. */
const HTTP_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
/** Seconds; operations run from a second (sandbox) to many minutes (a minikube start, a rollout). */
const OPERATION_BUCKETS = [0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600];

let shared: client.Registry | null = null;

/**
 * The default process metrics (`process_*`, `nodejs_*`), collected once per process however many
 * registries show them (each collection starts event-loop and GC observers of its own).
 */
export function processRegistry(): client.Registry {
  if (!shared) {
    shared = new client.Registry();
    client.collectDefaultMetrics({ register: shared });
  }
  return shared;
}

/** A registry for a process's own metrics, showing the process metrics too unless told not to. */
export function createRegistry(opts: { processMetrics?: boolean } = {}): client.Registry {
  const own = new client.Registry();
  return opts.processMetrics === false ? own : client.Registry.merge([own, processRegistry()]);
}

type Labels = Record<string, string | number>;
type MetricInternals = {
  name: string;
  help: string;
  type: string;
  collect?: () => unknown;
  hashMap?: Record<
    string,
    { labels: Labels; value?: number; bucketValues?: Record<string, number>; sum?: number; count?: number }
  >;
  upperBounds?: number[];
};

const escapeHelp = (s: string) => s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
const escapeLabel = (v: string | number) => (typeof v === 'string' ? escapeHelp(v).replace(/"/g, '\\"') : v);
const num = (v: number) => (Number.isNaN(v) ? 'Nan' : Number.isFinite(v) ? `${v}` : v < 0 ? '-Inf' : '+Inf');
/** `le` goes first, as prom-client writes it. */
const labelText = (labels: Labels, le?: string) => {
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${escapeLabel(v)}"`);
  if (le) parts.unshift(le);
  return parts.length ? `{${parts.join(',')}}` : '';
};

/**
 * The registry in the Prometheus text format, synchronously (prom-client's `metrics()` is async;
 * GET /metrics renders from a synchronous call). Same output as `registry.metrics()` for counters,
 * gauges and histograms (a test compares them); a metric whose collect() is async shows the values
 * its previous collection left.
 */
export function renderPrometheusSync(registry: client.Registry): string {
  const blocks: string[] = [];
  for (const m of registry.getMetricsAsArray() as unknown as MetricInternals[]) {
    try {
      m.collect?.();
    } catch {
      // a failing collector keeps its previous values
    }
    const lines = [`# HELP ${m.name} ${escapeHelp(m.help)}`, `# TYPE ${m.name} ${m.type}`];
    for (const e of Object.values(m.hashMap ?? {})) {
      if (m.type === 'histogram') {
        let acc = 0;
        for (const b of m.upperBounds ?? []) {
          acc += e.bucketValues?.[b] ?? 0;
          lines.push(`${m.name}_bucket${labelText(e.labels, `le="${b}"`)} ${num(acc)}`);
        }
        lines.push(`${m.name}_bucket${labelText(e.labels, 'le="+Inf"')} ${num(e.count ?? 0)}`);
        lines.push(`${m.name}_sum${labelText(e.labels)} ${num(e.sum ?? 0)}`);
        lines.push(`${m.name}_count${labelText(e.labels)} ${num(e.count ?? 0)}`);
      } else {
        lines.push(`${m.name}${labelText(e.labels)} ${num(e.value ?? 0)}`);
      }
    }
    blocks.push(lines.join('\n'));
  }
  return `${blocks.join('\n\n')}\n`;
}

type CounterEntry = { value: number; labels: Labels };
type HistogramEntry = { labels: Labels; bucketValues: Record<string, number>; sum: number; count: number };
type Internals<E> = { hashMap: Record<string, E>; upperBounds?: number[] };

/**
 * Where prom-client keeps the series of `labels` (the key of `metric.hashMap` whose entry holds that
 * very labels object), found once after the series was made through prom-client's own API; null if
 * this prom-client keeps series some other way (then every update takes the public API).
 */
function seriesKey(metric: unknown, labels: Labels): string | null {
  const map = (metric as Partial<Internals<{ labels?: unknown }>>).hashMap;
  if (!map || typeof map !== 'object') return null;
  for (const k of Object.keys(map)) if (map[k]?.labels === labels) return k;
  return null;
}

/**
 * One route's (method, route) series: its labels objects made once, and where prom-client keeps
 * each series, so a request's update is a few additions on prom-client's own entries instead of
 * prom-client validating the labels and building each series' key string again per call (four
 * metrics per request). An entry missing (a reset, a registry cleared) goes through the public API
 * again, which makes it anew.
 */
type RouteSeries = {
  bucket: Bucket;
  labels: { method: string; route: string };
  /** Key of the (method, route) series: the same in the three counters (same label names). */
  key: string | null;
  statuses: Map<number, { labels: Labels; key: string | null }>;
};

/**
 * The API's HTTP metrics: `http_request_duration_seconds` (histogram by method, route, status),
 * the legacy `slipway_http_*` counters, process metrics, and the contract's JSON snapshot.
 */
export class HttpMetrics {
  readonly registry: client.Registry;
  private readonly total: Bucket = { count: 0, errors: 0, totalMs: 0 };
  private readonly routes = new Map<string, Bucket>();
  /** method -> route -> its series (record's lookups without building a key string per request). */
  private readonly series = new Map<string, Map<string, RouteSeries>>();
  private readonly duration: client.Histogram<'method' | 'route' | 'status'>;
  private readonly requests: client.Counter<'method' | 'route'>;
  private readonly errors: client.Counter<'method' | 'route'>;
  private readonly timeSum: client.Counter<'method' | 'route'>;
  private readonly durationSeries: Internals<HistogramEntry>;
  private readonly upperBounds: number[];

  constructor(opts: { registry?: client.Registry; processMetrics?: boolean } = {}) {
    this.registry = opts.registry ?? createRegistry(opts);
    const registers = [this.registry];
    this.duration = new client.Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request duration in seconds, by method, route pattern and status code.',
      labelNames: ['method', 'route', 'status'],
      buckets: HTTP_BUCKETS,
      registers,
    });
    this.durationSeries = this.duration as unknown as Internals<HistogramEntry>;
    this.upperBounds = this.durationSeries.upperBounds ?? HTTP_BUCKETS;
    this.requests = new client.Counter({
      name: 'slipway_http_requests_total',
      help: 'HTTP requests handled.',
      labelNames: ['method', 'route'],
      registers,
    });
    this.errors = new client.Counter({
      name: 'slipway_http_errors_total',
      help: 'HTTP requests answered with a 5xx.',
      labelNames: ['method', 'route'],
      registers,
    });
    this.timeSum = new client.Counter({
      name: 'slipway_http_response_time_ms_sum',
      help: 'Sum of response times in milliseconds.',
      labelNames: ['method', 'route'],
      registers,
    });
  }

  /** `status` >= 500 counts as an error (the server failed); 4xx are the client's and count as handled. */
  record(method: string, route: string, status: number, ms: number): void {
    let byRoute = this.series.get(method);
    if (!byRoute) {
      byRoute = new Map();
      this.series.set(method, byRoute);
    }
    let r = byRoute.get(route);
    if (!r) {
      const bucket = { count: 0, errors: 0, totalMs: 0 };
      this.routes.set(`${method} ${route}`, bucket);
      const labels = { method, route };
      // Present from the first request on, so rate() over the error counter starts at zero.
      this.errors.inc(labels, 0);
      r = { bucket, labels, key: seriesKey(this.errors, labels), statuses: new Map() };
      byRoute.set(route, r);
    }
    const failed = status >= 500;
    r.bucket.count++;
    r.bucket.totalMs += ms;
    this.total.count++;
    this.total.totalMs += ms;
    if (failed) {
      r.bucket.errors++;
      this.total.errors++;
    }
    let st = r.statuses.get(status);
    if (!st) {
      st = { labels: { method, route, status: String(status) }, key: null };
      r.statuses.set(status, st);
    }
    const seconds = ms / 1000;
    const d = st.key === null ? undefined : this.durationSeries.hashMap[st.key];
    if (d && d.labels === st.labels) {
      d.sum += seconds;
      d.count += 1;
      // prom-client's findBound: the first upper bound >= the value (none: only +Inf, the count).
      const bounds = this.upperBounds;
      for (let i = 0; i < bounds.length; i++) {
        const u = bounds[i] as number;
        if (seconds <= u) {
          if (Object.hasOwn(d.bucketValues, u)) (d.bucketValues[u] as number) += 1;
          break;
        }
      }
    } else {
      this.duration.observe(st.labels, seconds);
      st.key = seriesKey(this.duration, st.labels);
    }
    this.add(this.requests, r, 1);
    if (failed) this.add(this.errors, r, 1);
    this.add(this.timeSum, r, ms);
  }

  /** `counter.inc(r.labels, n)`, on prom-client's entry directly when it is there. */
  private add(counter: client.Counter<'method' | 'route'>, r: RouteSeries, n: number): void {
    const e = r.key === null ? undefined : (counter as unknown as Internals<CounterEntry>).hashMap[r.key];
    if (e && e.labels === r.labels) e.value += n;
    else {
      counter.inc(r.labels, n);
      r.key ??= seriesKey(counter, r.labels);
    }
  }

  snapshot(): MetricsSnapshot {
    const avg = (b: Bucket) => (b.count ? Math.round((b.totalMs / b.count) * 100) / 100 : 0);
    const rate = (n: number, d: number) => (d ? Math.round((n / d) * 10_000) / 100 : 0);
    return {
      request_count: this.total.count,
      average_response_time_ms: avg(this.total),
      error_rate: rate(this.total.errors, this.total.count),
      success_rate: this.total.count ? rate(this.total.count - this.total.errors, this.total.count) : 100,
      by_route: [...this.routes].map(([k, b]) => {
        const [method = '', route = ''] = k.split(' ');
        return {
          method,
          route,
          request_count: b.count,
          average_response_time_ms: avg(b),
          error_rate: rate(b.errors, b.count),
        };
      }),
    };
  }

  /** Prometheus text exposition of the registry (GET /metrics). */
  prometheus(): string {
    return renderPrometheusSync(this.registry);
  }
}

/** Job counts by state, per queue (`queue.getJobCounts()`): the worker's queue-depth source. */
export type QueueCounter = { name: string; getJobCounts(): Promise<Record<string, number>> };

/**
 * A worker's metrics: operation durations by kind and outcome, queue depth by state per queue,
 * reconciler actions, and the process metrics.
 */
export class WorkerMetrics {
  readonly registry: client.Registry;
  readonly operationDuration: client.Histogram<'kind' | 'outcome'>;
  readonly reconcilerActions: client.Counter<'action'>;
  readonly queueDepth: client.Gauge<'queue' | 'state'>;

  constructor(opts: { queues?: QueueCounter[]; registry?: client.Registry; processMetrics?: boolean } = {}) {
    this.registry = opts.registry ?? createRegistry(opts);
    const registers = [this.registry];
    const queues = opts.queues ?? [];
    this.operationDuration = new client.Histogram({
      name: 'slipway_operation_duration_seconds',
      help: 'Time a worker spent on one operation job, by operation kind and the outcome it left.',
      labelNames: ['kind', 'outcome'],
      buckets: OPERATION_BUCKETS,
      registers,
    });
    this.reconcilerActions = new client.Counter({
      name: 'slipway_reconciler_actions_total',
      help: 'Reconciler actions: operations re-enqueued (lost by Redis), re-driven (lease expired), failed.',
      labelNames: ['action'],
      registers,
    });
    for (const action of ['reenqueued', 'redriven', 'failed']) this.reconcilerActions.inc({ action }, 0);
    this.queueDepth = new client.Gauge({
      name: 'slipway_queue_jobs',
      help: 'Jobs in each BullMQ queue by state (read from Redis at scrape time).',
      labelNames: ['queue', 'state'],
      registers,
      async collect() {
        const counts = await Promise.all(
          queues.map(async (q) => [q.name, await q.getJobCounts().catch(() => null)] as const),
        );
        for (const [queue, c] of counts) {
          if (!c) continue;
          for (const [state, n] of Object.entries(c)) this.set({ queue, state }, n);
        }
      },
    });
  }

  /** One finished operation job. */
  observeOperation(kind: string, outcome: string, seconds: number): void {
    this.operationDuration.observe({ kind, outcome }, seconds);
  }

  /** One reconciler sweep's result. */
  recordSweep(r: { reenqueued?: number; redriven?: number; failed?: number }): void {
    for (const action of ['reenqueued', 'redriven', 'failed'] as const) {
      const n = r[action] ?? 0;
      if (n > 0) this.reconcilerActions.inc({ action }, n);
    }
  }

  metrics(): Promise<string> {
    return this.registry.metrics();
  }
}

/**
 * A worker's own HTTP endpoint: GET /metrics (Prometheus text, collected fresh) and GET /healthz.
 * Resolves with the server once listening (port 0 picks a free one).
 */
export function serveMetrics(opts: {
  port: number;
  host?: string;
  registry: client.Registry;
  healthy?: () => boolean;
}): Promise<Server> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'GET' && path === '/metrics') {
      opts.registry.metrics().then(
        (text) => {
          res.writeHead(200, { 'Content-Type': opts.registry.contentType });
          res.end(text);
        },
        (e: unknown) => {
          res.writeHead(500, { 'Content-Type': 'text/plain' });
          res.end(`metrics collection failed: ${(e as Error).message}\n`);
        },
      );
      return;
    }
    if (req.method === 'GET' && path === '/healthz') {
      const ok = opts.healthy?.() ?? true;
      res.writeHead(ok ? 200 : 503, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ status: ok ? 'ok' : 'unhealthy' }));
      return;
    }
    res.writeHead(404, { 'Content-Type': 'text/plain' });
    res.end('not found\n');
  });
  return new Promise((ok, fail) => {
    server.once('error', fail);
    server.listen(opts.port, opts.host ?? '0.0.0.0', () => {
      server.off('error', fail);
      ok(server);
    });
  });
}
