// The feature floor (issue 10): the bare server's status poll plus every feature the issue says
// stays on, each done the plainest way with the libraries Slipway uses, and nothing else — no
// framework of middleware, no contract validation, no error mapping. What it costs over the bare
// server is what those features cost whoever implements them; Slipway's cost over it is Slipway's
// own. Run as its own process by bench/compare.ts (env below); it answers only what the bench asks.
//   GET /api/deployments/:id and POST /api/container-images, per request:
//     - X-Request-Id, the contract's standard headers and the X-RateLimit-* headers;
//     - a SERVER span continuing the caller's W3C trace context (OpenTelemetry SDK, BatchSpanProcessor,
//       OTLP/HTTP JSON to the bench's sink, as the API's), a CLIENT span around the SELECT, and the
//       ioredis instrumentation's span around the rate-limit script;
//     - the Bearer JWT verified with jose (HS256, issuer, exp/iat/sub), each token once (a Map);
//     - the user's role and tier from Postgres, cached 5 s (the API's default);
//     - the shared Redis sliding-window limit: the API's own script (its algorithm, not its
//       middleware), one EVALSHA per request on an auto-pipelining client (the plain use: the API
//       gathers the checks of one event-loop turn into one call);
//     - poll: the owner-scoped SELECT of the deployment, answered in the contract's field names;
//     - create: the body checked with zod; one transaction claims the Idempotency-Key and inserts the
//       image, its operation and the audit row; BullMQ queue.add (bullmq-otel span, trace carried);
//       the answer stored under the key; a CLIENT span per statement;
//     - prom-client: a duration histogram and a request counter by method, route, status;
//     - one pino line per request at info (trace ids mixed in), written asynchronously to stdout.
// FLOOR_DATABASE_URL, FLOOR_REDIS_URL, FLOOR_PREFIX (rate-limit keys), FLOOR_PORT, FLOOR_POOL
// (postgres.js max), FLOOR_SECRET (the API's JWT secret), OTEL_EXPORTER_OTLP_ENDPOINT.
// FLOOR_WITHOUT: a comma-separated list of features to leave out, to price each one (the bench's
// BENCH_FLOOR_WITHOUT): tracing (no SDK started), log, metrics, ratelimit, auth (no token check and
// no user: the SELECT by id alone, the limit keyed by deployment), headers (request id, standard).
import { createHash } from 'node:crypto';
import { serve } from '@hono/node-server';
import { context, propagation, type Span, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { queueTelemetry, startTelemetry } from '@slipway/telemetry';
import { Queue } from 'bullmq';
import { type Context, Hono } from 'hono';
import { Redis } from 'ioredis';
import { jwtVerify } from 'jose';
import postgres from 'postgres';
import client from 'prom-client';
import { z } from 'zod';
import { slidingWindow } from '../../apps/api/src/middleware/sliding-window.ts';
import { STANDARD_HEADERS } from '../../apps/api/src/middleware/standard-headers.ts';
import { floorLogger, traced, tracer } from './floor-kit.ts';

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

const log = floorLogger('floor');

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
const hit = slidingWindow(redis, 60_000, { batch: false });
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

const STANDARD_ENTRIES = Object.entries(STANDARD_HEADERS);

const app = new Hono();
app.get('/healthz', async (c) => {
  await ready;
  return c.text('ok');
});

/** What the log line and the audit row need to know of the request. */
type Who = { userId: string | null; requestId: string };
type Answer = (c: Context, span: Span, who: Who) => Promise<Response>;

/**
 * One route with what every request gets: request id and standard headers, the SERVER span, the
 * metrics, the log line; `answer` does the rest.
 */
function route(method: 'GET' | 'POST', path: string, answer: Answer) {
  app.on(method, path, async (c) => {
    const started = performance.now();
    const requestId = crypto.randomUUID();
    const parent = propagation.extract(context.active(), c.req.header(), {
      get: (h, k) => h[k],
      keys: (h) => Object.keys(h),
    });
    const span = tracer.startSpan(
      `${method} ${path}`,
      {
        kind: SpanKind.SERVER,
        attributes: {
          'http.request.method': method,
          'url.path': c.req.path,
          'url.scheme': 'http',
          'http.route': path,
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
      const who: Who = { userId: null, requestId };
      let res: Response;
      try {
        res = await answer(c, span, who);
      } catch (e) {
        span.recordException(e as Error);
        span.setStatus({ code: SpanStatusCode.ERROR });
        res = c.json({ error: 'Internal server error', code: 500 }, 500);
      }
      span.setAttribute('http.response.status_code', res.status);
      span.end();
      const ms = Math.round((performance.now() - started) * 100) / 100;
      if (on('metrics')) {
        duration.observe({ method, route: path, status: String(res.status) }, ms / 1000);
        requests.inc({ method, route: path });
      }
      if (on('log'))
        log.info(
          { method, path: c.req.path, route: path, status: res.status, ms, requestId, userId: who.userId },
          'request',
        );
      return res;
    });
  });
}

/** The caller (token checked, user row), or the 401 to answer; null user when auth is left out. */
async function caller(c: Context, span: Span, who: Who) {
  if (!on('auth')) return { user: null };
  const m = /^Bearer\s+(\S+)$/.exec(c.req.header('authorization') ?? '');
  const sub = m?.[1] ? await subject(m[1]) : null;
  const user = sub ? await userOf(sub) : null;
  if (!user) return { refused: c.json({ error: 'Authentication required', code: 401 }, 401) };
  who.userId = user.id;
  span.setAttributes({ 'enduser.id': user.id, 'enduser.role': user.role });
  return { user };
}

/** The caller's sliding window: the X-RateLimit-* headers, and the 429 to answer when over. */
async function limited(c: Context, user: User | null, fallbackKey: string): Promise<Response | null> {
  if (!on('ratelimit')) return null;
  const limit = !user ? LIMITS.premium : user.role === 'admin' ? LIMITS.admin : LIMITS[user.tier];
  const d = await hit(`${prefix}:ratelimit:${user ? `user:${user.id}` : fallbackKey}:sliding`, limit);
  c.header('X-RateLimit-Limit', String(d.limit));
  c.header('X-RateLimit-Remaining', String(d.remaining));
  c.header('X-RateLimit-Reset', String(d.resetS));
  return d.allowed ? null : c.json({ error: 'Rate limit exceeded', code: 429 }, 429);
}

const POLL = 'select * from deployments where id = $1 and deleted_at is null and owner_id = $2';
route('GET', '/api/deployments/:id', async (c, span, who) => {
  const id = c.req.param('id') ?? '';
  const auth = await caller(c, span, who);
  if (auth.refused) return auth.refused;
  const user = auth.user;
  const over = await limited(c, user, `deployment:${id}`);
  if (over) return over;
  const rows = await traced(POLL, () =>
    user
      ? sql`select * from deployments where id = ${id} and deleted_at is null and owner_id = ${user.id}`
      : sql`select * from deployments where id = ${id} and deleted_at is null`,
  );
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
});

// The create: the body checked with zod; with an Idempotency-Key the key is claimed in the same
// transaction as the image, its operation and the audit row (a concurrent duplicate waits on the
// key's row, then replays, or gets 409 while the first is unanswered, 422 for another body); the
// job is enqueued with the operation id as job id; the answer is stored under the key.
const CreateImage = z.object({
  name: z
    .string()
    .min(1)
    .max(128)
    .regex(/^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$/),
  tag: z
    .string()
    .max(128)
    .regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]*$/)
    .default('latest'),
  repository: z
    .string()
    .min(1)
    .max(255)
    .regex(/^[A-Za-z0-9.:/_-]+$/),
  description: z.string().max(2000).optional(),
});
const JOB_OPTS = { removeOnComplete: { age: 3600, count: 5000 }, removeOnFail: { age: 24 * 3600 } };
const queue = new Queue('floor-images', {
  connection: { url: env('FLOOR_REDIS_URL'), maxRetriesPerRequest: null, enableOfflineQueue: false },
  prefix: `${prefix}_q`,
  // Created after startTelemetry (or it emits nothing): the add gets its span and carries the trace.
  ...(telemetry ? { telemetry: queueTelemetry() } : {}),
});
const IDEM_CLAIM =
  'insert into bench_floor_idempotency (user_id, key, hash) values ($1, $2, $3) on conflict do nothing';
const IDEM_READ = 'select hash, status, body from bench_floor_idempotency where user_id = $1 and key = $2';
const IMAGE = 'insert into bench_bare_images (name, tag, repository) values ($1, $2, $3) returning *';
const OPERATION =
  "insert into bench_floor_operations (kind, resource_id, status) values ('image.build', $1, 'pending') returning id";
const AUDIT =
  "insert into bench_floor_audit (user_id, action, resource_id, request_id) values ($1, 'image.create', $2, $3)";
const IDEM_STORE =
  'update bench_floor_idempotency set status = $3, body = $4 where user_id = $1 and key = $2';
const ready = sql.begin(async (tx) => {
  await tx`select pg_advisory_xact_lock(7331)`;
  await tx`create table if not exists bench_floor_idempotency (user_id uuid not null, key text not null,
    hash text not null, status int, body text, created_at timestamptz not null default now(), primary key (user_id, key))`;
  await tx`create table if not exists bench_floor_operations (id uuid primary key default gen_random_uuid(),
    kind text not null, resource_id uuid not null, status text not null, created_at timestamptz not null default now())`;
  await tx`create table if not exists bench_floor_audit (id bigserial primary key, user_id uuid, action text not null,
    resource_id uuid, request_id text, at timestamptz not null default now())`;
});

route('POST', '/api/container-images', async (c, span, who) => {
  const auth = await caller(c, span, who);
  if (auth.refused) return auth.refused;
  const user = auth.user;
  const over = await limited(c, user, 'anonymous');
  if (over) return over;
  const text = await c.req.text();
  let parsed: ReturnType<typeof CreateImage.safeParse>;
  try {
    parsed = CreateImage.safeParse(JSON.parse(text));
  } catch {
    return c.json({ error: 'Invalid JSON', code: 400 }, 400);
  }
  if (!parsed.success)
    return c.json({ error: 'Validation failed', code: 422, details: parsed.error.issues }, 422);
  const b = parsed.data;
  const key = c.req.header('idempotency-key');
  const userId = user?.id ?? '00000000-0000-0000-0000-000000000000';
  const hash = key ? createHash('sha256').update(text).digest('hex') : '';
  type Made = { replay: Response } | { image: Record<string, unknown>; operationId: string };
  const made: Made = await sql.begin(async (tx): Promise<Made> => {
    if (key) {
      const claimed = await traced(IDEM_CLAIM, () =>
        tx.unsafe(IDEM_CLAIM, [userId, key, hash], { prepare: true }),
      );
      if (claimed.count === 0) {
        const [prev] = await traced(IDEM_READ, () => tx.unsafe(IDEM_READ, [userId, key], { prepare: true }));
        if (prev?.hash !== hash)
          return { replay: c.json({ error: 'Idempotency-Key reused with another body', code: 422 }, 422) };
        if (prev.status === null)
          return { replay: c.json({ error: 'A request with this key is in progress', code: 409 }, 409) };
        return {
          replay: c.body(prev.body as string, prev.status as 201, { 'Content-Type': 'application/json' }),
        };
      }
    }
    const [image] = await traced(IMAGE, () =>
      tx.unsafe(IMAGE, [b.name, b.tag, b.repository], { prepare: true }),
    );
    if (!image) throw new Error('no image row');
    const [op] = await traced(OPERATION, () => tx.unsafe(OPERATION, [image.id], { prepare: true }));
    await traced(AUDIT, () =>
      tx.unsafe(AUDIT, [user?.id ?? null, image.id, who.requestId], { prepare: true }),
    );
    return { image, operationId: String(op?.id) };
  });
  if ('replay' in made) return made.replay;
  await queue.add('image.build', { operationId: made.operationId }, { ...JOB_OPTS, jobId: made.operationId });
  const body = { ...made.image, status: 'pending', operation: { id: made.operationId, status: 'pending' } };
  const json = JSON.stringify(body);
  if (key)
    await traced(IDEM_STORE, () => sql.unsafe(IDEM_STORE, [userId, key, 201, json], { prepare: true }));
  return c.body(json, 201, { 'Content-Type': 'application/json' });
});

const server = serve({ fetch: app.fetch, port: Number(env('FLOOR_PORT')), hostname: '127.0.0.1' });
const stop = () => {
  server.close();
  void Promise.allSettled([queue.close(), sql.end({ timeout: 2 }), redis.quit(), telemetry?.shutdown()]).then(
    () => {
      log.flush();
      process.exit(0);
    },
  );
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
