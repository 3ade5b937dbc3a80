// The feature floor (issue 10): the bare server's status poll plus every feature the issue says
// stays on, each done the plainest way with the libraries Slipway uses, and nothing else — no
// framework of middleware, no contract validation, no error mapping. What it costs over the bare
// server is what those features cost whoever implements them; Slipway's cost over it is Slipway's
// own. Run as its own process by bench/compare.ts (env below); it answers only what the bench asks.
//   GET /api/deployments/:id  per request:
//     - X-Request-Id, the contract's standard headers and the X-RateLimit-* headers;
//     - a SERVER span continuing the caller's W3C trace context (OpenTelemetry SDK, BatchSpanProcessor,
//       OTLP/HTTP JSON to the bench's sink, as the API's), a CLIENT span around the SELECT, and the
//       ioredis instrumentation's span around the rate-limit script;
//     - the Bearer JWT verified with jose (HS256, issuer, exp/iat/sub), each token once (a Map);
//     - the user's role and tier from Postgres, cached 5 s (the API's default);
//     - the shared Redis sliding-window limit: the API's own script (its algorithm, not its
//       middleware), one EVALSHA per request on an auto-pipelining client, as the API's;
//     - the owner-scoped SELECT of the deployment, answered in the contract's field names;
//     - prom-client: a duration histogram and a request counter by method, route, status;
//     - one pino line per request at info (trace ids mixed in), written asynchronously to stdout.
// FLOOR_DATABASE_URL, FLOOR_REDIS_URL, FLOOR_PREFIX (rate-limit keys), FLOOR_PORT, FLOOR_POOL
// (postgres.js max), FLOOR_SECRET (the API's JWT secret), OTEL_EXPORTER_OTLP_ENDPOINT.
// FLOOR_WITHOUT: a comma-separated list of features to leave out, to price each one (the bench's
// BENCH_FLOOR_WITHOUT): tracing (no SDK started), log, metrics, ratelimit, auth (no token check and
// no user: the SELECT by id alone, the limit keyed by deployment), headers (request id, standard).
import { serve } from '@hono/node-server';
import { context, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { startTelemetry } from '@slipway/telemetry';
import { Hono } from 'hono';
import { Redis } from 'ioredis';
import { jwtVerify } from 'jose';
import { pino } from 'pino';
import postgres from 'postgres';
import client from 'prom-client';
import { slidingWindow } from '../../apps/api/src/middleware/sliding-window.ts';

const env = (k: string) => {
  const v = process.env[k];
  if (!v) throw new Error(`${k} is required`);
  return v;
};
const without = new Set((process.env.FLOOR_WITHOUT ?? '').split(',').filter(Boolean));
for (const f of without)
  if (!['tracing', 'log', 'metrics', 'ratelimit', 'auth', 'headers'].includes(f))
    throw new Error(`FLOOR_WITHOUT: unknown feature ${f}`);
const on = (feature: string) => !without.has(feature);

// The SDK assembled as the apps assemble it (tracer provider, batch processor, OTLP exporter, W3C
// propagation, the ioredis/http-client instrumentations); no node:http server spans, as the API.
const telemetry = on('tracing')
  ? startTelemetry({
      serviceName: 'slipway-floor-bench',
      otel: { OTEL_EXPORTER_OTLP_ENDPOINT: process.env.OTEL_EXPORTER_OTLP_ENDPOINT },
      httpServerSpans: false,
    })
  : null;
const tracer = trace.getTracer('floor');

const log = pino(
  {
    name: 'floor',
    level: 'info',
    mixin: () => {
      const sc = trace.getSpan(context.active())?.spanContext();
      return sc ? { trace_id: sc.traceId, span_id: sc.spanId } : {};
    },
  },
  pino.destination({ dest: 1, sync: false }),
);

const registry = new client.Registry();
const duration = new client.Histogram({
  name: 'http_request_duration_seconds',
  help: 'duration',
  labelNames: ['method', 'route', 'status'],
  registers: [registry],
});
const requests = new client.Counter({
  name: 'http_requests_total',
  help: 'requests',
  labelNames: ['method', 'route'],
  registers: [registry],
});

const sql = postgres(env('FLOOR_DATABASE_URL'), {
  max: Number(process.env.FLOOR_POOL ?? 10),
  // The bench may run several floors side by side, one at a time: idle ones give their connections back.
  idle_timeout: 3,
  onnotice: () => {},
});
const redis = new Redis(env('FLOOR_REDIS_URL'), { enableAutoPipelining: true, enableOfflineQueue: false });
const hit = slidingWindow(redis, 60_000);
const prefix = env('FLOOR_PREFIX');
const secret = new TextEncoder().encode(env('FLOOR_SECRET'));
const LIMITS = { standard: 100, premium: 500, admin: 1000 } as const;

const verified = new Map<string, { sub: string; untilS: number }>();
async function subject(token: string): Promise<string | null> {
  const hitTok = verified.get(token);
  if (hitTok && Date.now() / 1000 <= hitTok.untilS) return hitTok.sub;
  try {
    const { payload } = await jwtVerify(token, secret, {
      algorithms: ['HS256'],
      issuer: 'slipway',
      requiredClaims: ['exp', 'sub', 'iat'],
    });
    const untilS = Math.min(payload.exp ?? 0, (payload.iat ?? 0) + 3600);
    verified.set(token, { sub: payload.sub ?? '', untilS });
    return payload.sub ?? null;
  } catch {
    return null;
  }
}

type User = { id: string; role: string; tier: 'standard' | 'premium' };
const users = new Map<string, { user: User | null; until: number }>();
async function userOf(id: string): Promise<User | null> {
  const now = Date.now();
  const c = users.get(id);
  if (c && c.until > now) return c.user;
  const [row] = await sql<User[]>`select id, role, tier from users where id = ${id}`;
  users.set(id, { user: row ?? null, until: now + 5000 });
  return row ?? null;
}

const STANDARD = {
  'Cache-Control': 'no-cache, no-store, must-revalidate',
  Pragma: 'no-cache',
  Expires: '0',
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'X-XSS-Protection': '1; mode=block',
  'API-Version': '1.0.0',
};
const ROUTE = '/api/deployments/:id';
const SELECT = 'select * from deployments where id = $1 and deleted_at is null and owner_id = $2';
const STANDARD_ENTRIES = Object.entries(STANDARD);

const app = new Hono();
app.get('/healthz', (c) => c.text('ok'));
app.get(ROUTE, async (c) => {
  const started = performance.now();
  const requestId = crypto.randomUUID();
  const parent = propagation.extract(context.active(), c.req.header(), {
    get: (h, k) => h[k],
    keys: (h) => Object.keys(h),
  });
  const span = tracer.startSpan(
    `GET ${ROUTE}`,
    {
      kind: SpanKind.SERVER,
      attributes: {
        'http.request.method': 'GET',
        'url.path': c.req.path,
        'url.scheme': 'http',
        'http.route': ROUTE,
        'slipway.request_id': requestId,
      },
    },
    parent,
  );
  // Headers set on the context before the response exists stay a plain object (Hono's cheap path).
  if (on('headers')) {
    c.header('X-Request-Id', requestId);
    for (const [k, v] of STANDARD_ENTRIES) c.header(k, v);
  }
  return context.with(trace.setSpan(parent, span), async () => {
    let userId: string | null = null;
    const answer = async (): Promise<Response> => {
      const id = c.req.param('id');
      let user: User | null = null;
      if (on('auth')) {
        const m = /^Bearer\s+(\S+)$/.exec(c.req.header('authorization') ?? '');
        const sub = m?.[1] ? await subject(m[1]) : null;
        user = sub ? await userOf(sub) : null;
        if (!user) return c.json({ error: 'Authentication required', code: 401 }, 401);
        userId = user.id;
        span.setAttributes({ 'enduser.id': user.id, 'enduser.role': user.role });
      }
      if (on('ratelimit')) {
        const limit = !user ? LIMITS.premium : user.role === 'admin' ? LIMITS.admin : LIMITS[user.tier];
        const d = await hit(
          `${prefix}:ratelimit:${user ? `user:${user.id}` : `deployment:${id}`}:sliding`,
          limit,
        );
        c.header('X-RateLimit-Limit', String(d.limit));
        c.header('X-RateLimit-Remaining', String(d.remaining));
        c.header('X-RateLimit-Reset', String(d.resetS));
        if (!d.allowed) return c.json({ error: 'Rate limit exceeded', code: 429 }, 429);
      }
      const db = tracer.startSpan('db.query SELECT', {
        kind: SpanKind.CLIENT,
        attributes: {
          'db.system.name': 'postgresql',
          'db.operation.name': 'SELECT',
          'db.query.text': SELECT,
        },
      });
      const rows = user
        ? await sql`select * from deployments
            where id = ${id} and deleted_at is null and owner_id = ${user.id}`
        : await sql`select * from deployments where id = ${id} and deleted_at is null`;
      db.setAttribute('db.response.returned_rows', rows.length);
      db.end();
      const r = rows[0];
      if (!r) return c.json({ error: 'Deployment not found', code: 404 }, 404);
      return c.json({
        id: r.id,
        cluster_id: r.cluster_id,
        namespace: r.namespace,
        name: r.name,
        replicas: r.replicas,
        available_replicas: r.available_replicas,
        image: r.image,
        container_port: r.container_port,
        helm_chart_id: r.helm_chart_id,
        status: r.status,
        reason: r.reason,
        error: r.error,
        created_at: r.created_at,
        last_updated: r.last_updated,
      });
    };
    let res: Response;
    try {
      res = await answer();
    } catch (e) {
      span.recordException(e as Error);
      span.setStatus({ code: SpanStatusCode.ERROR });
      res = c.json({ error: 'Internal server error', code: 500 }, 500);
    }
    span.setAttribute('http.response.status_code', res.status);
    span.end();
    const ms = Math.round((performance.now() - started) * 100) / 100;
    if (on('metrics')) {
      duration.observe({ method: 'GET', route: ROUTE, status: String(res.status) }, ms / 1000);
      requests.inc({ method: 'GET', route: ROUTE });
    }
    if (on('log'))
      log.info(
        { method: 'GET', path: c.req.path, route: ROUTE, status: res.status, ms, requestId, userId },
        'request',
      );
    return res;
  });
});

const server = serve({ fetch: app.fetch, port: Number(env('FLOOR_PORT')), hostname: '127.0.0.1' });
const stop = () => {
  server.close();
  void Promise.allSettled([sql.end({ timeout: 2 }), redis.quit(), telemetry?.shutdown()]).then(() => {
    log.flush();
    process.exit(0);
  });
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
