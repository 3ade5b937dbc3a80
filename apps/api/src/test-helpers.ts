import { randomBytes } from 'node:crypto';
import { type Actor, type CoreDeps, createUser, ensureAdmin } from '@slipway/core';
import type { UserRole, UserTier } from '@slipway/db';
import type { Producer } from '@slipway/jobs';
import { HttpMetrics } from '@slipway/telemetry';
import {
  assertMatchesContract,
  createTestDatabase,
  type TestDatabase,
  testPrefix,
  testRedisUrl,
} from '@slipway/testing';
import { type App, createApp } from './app.ts';
import type { AppDeps, DriverReport, RateLimits } from './context.ts';
import { connectProducer } from './producer.ts';
import { signAccessToken } from './tokens.ts';

// Builds a real API over a fresh test database (cloned from the migrated template), a real Redis
// producer with its own prefix, and four users with tokens. Nothing is mocked: jobs land in Redis
// (no worker runs unless the test starts one), rows in Postgres.

export type TestUser = {
  id: string;
  email: string;
  password: string;
  role: UserRole;
  tier: UserTier;
  /** A valid access token (1 hour). */
  token: string;
  actor: Actor;
};

export type RequestOptions = {
  /** Bearer token; defaults to none. */
  token?: string | null;
  /** JSON-encoded unless it is a string, Buffer or Uint8Array (sent as is). */
  body?: unknown;
  headers?: Record<string, string>;
};

export type TestApi = {
  app: App;
  deps: AppDeps;
  core: CoreDeps;
  db: TestDatabase;
  producer: Producer;
  /** Queue and rate-limit key prefix of this instance. */
  prefix: string;
  jwtSecret: string;
  admin: TestUser;
  /** An operator, standard tier. */
  alice: TestUser;
  /** Another operator (ownership tests: alice's resources are 404 to bob). */
  bob: TestUser;
  viewer: TestUser;
  request(method: string, path: string, opts?: RequestOptions): Promise<Response>;
  /** Request + parsed JSON body. */
  call<T = Record<string, unknown>>(
    method: string,
    path: string,
    opts?: RequestOptions,
  ): Promise<{ status: number; body: T; headers: Headers }>;
  /** A kubeconfig cluster for `user`: recorded as running, so deployments can target it. */
  runningCluster(user: TestUser, name?: string): Promise<{ id: string }>;
  /** Creates one more user with a token. */
  addUser(role: UserRole, tier?: UserTier): Promise<TestUser>;
  close(): Promise<void>;
};

export type TestApiOptions = {
  rateLimits?: RateLimits;
  aiSyncTimeoutMs?: number;
  /** Another producer (e.g. one pointed at a closed port to test Redis outages). */
  producer?: Producer;
  userCacheMs?: number;
  driversReport?: () => Promise<DriverReport[]>;
  bodyLimitBytes?: number;
};

export const TEST_PASSWORD = 'correct-horse-battery';

/**
 * Every request a test sends through these helpers, and its answer, is held against
 * docs/openapi.json (see @slipway/testing's openapi-truth): an undocumented status, field or
 * missing header fails the test that made the request.
 */
export async function checkAgainstDocument(
  method: string,
  url: string,
  sent: unknown,
  contentType: string | undefined,
  res: Response,
): Promise<void> {
  const type = res.headers.get('Content-Type') ?? '';
  // A live stream never ends by itself: its status and headers are checked, not its body.
  const text = type.startsWith('text/event-stream') ? '' : await res.clone().text();
  let requestBody: unknown = sent;
  if (typeof sent === 'string') {
    try {
      requestBody = JSON.parse(sent);
    } catch {
      requestBody = undefined;
    }
  } else if (sent instanceof Uint8Array) requestBody = undefined;
  assertMatchesContract({
    method,
    url,
    requestBody: contentType?.includes('json') ? requestBody : undefined,
    requestContentType: contentType,
    status: res.status,
    headers: res.headers,
    body: text,
  });
}

/** A unique, valid name for resources created by a test. */
export function uniqueName(base = 'r'): string {
  return `${base}-${randomBytes(4).toString('hex')}`;
}

export async function createTestApi(opts: TestApiOptions = {}): Promise<TestApi> {
  const db = await createTestDatabase();
  const prefix = testPrefix();
  const producer = opts.producer ?? (await connectProducer({ redisUrl: testRedisUrl(), prefix }));
  const jwtSecret = randomBytes(32).toString('hex');
  const core: CoreDeps = {
    db: db.db,
    producer,
    driver: { images: 'sandbox', clusters: 'sandbox', workloads: 'sandbox', charts: 'sandbox' },
  };
  const deps: AppDeps = {
    core,
    sql: db.sql,
    redis: producer.redis,
    config: {
      JWT_SECRET: jwtSecret,
      DRIVER: 'sandbox',
      QUEUE_PREFIX: prefix,
      AI_SYNC_TIMEOUT_MS: opts.aiSyncTimeoutMs ?? 50,
      TRUST_PROXY: false,
    },
    metrics: new HttpMetrics(),
    rateLimits: opts.rateLimits,
    userCacheMs: opts.userCacheMs ?? 0,
    driversReport: opts.driversReport,
    bodyLimitBytes: opts.bodyLimitBytes,
  };
  const app = createApp(deps);

  const tokenFor = async (
    u: { id: string; role: UserRole; tier: UserTier },
    email: string,
  ): Promise<TestUser> => ({
    ...u,
    email,
    password: TEST_PASSWORD,
    token: await signAccessToken(jwtSecret, u),
    actor: { id: u.id, role: u.role },
  });
  const adminRow = await ensureAdmin(core, `admin-${prefix}@test.local`, TEST_PASSWORD);
  const admin = await tokenFor(adminRow, adminRow.email);
  const addUser = async (role: UserRole, tier: UserTier = 'standard') => {
    const email = `${role}-${randomBytes(4).toString('hex')}@test.local`;
    const row = await createUser(core, admin.actor, { email, password: TEST_PASSWORD, role, tier });
    return tokenFor(row, email);
  };
  const [alice, bob, viewer] = await Promise.all([
    addUser('operator'),
    addUser('operator'),
    addUser('viewer'),
  ]);

  const request = async (method: string, path: string, o: RequestOptions = {}) => {
    const headers: Record<string, string> = { ...o.headers };
    if (o.token) headers.Authorization = `Bearer ${o.token}`;
    let body: RequestInit['body'];
    if (o.body !== undefined) {
      if (typeof o.body === 'string' || o.body instanceof Uint8Array) {
        body = o.body as RequestInit['body'];
      } else {
        body = JSON.stringify(o.body);
        headers['Content-Type'] ??= 'application/json';
      }
    }
    const res = await app.request(path, { method, headers, body });
    await checkAgainstDocument(method, path, o.body, headers['Content-Type'], res);
    return res;
  };
  const call = async <T>(method: string, path: string, o?: RequestOptions) => {
    const res = await request(method, path, o);
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : null) as T, headers: res.headers };
  };

  return {
    app,
    deps,
    core,
    db,
    producer,
    prefix,
    jwtSecret,
    admin,
    alice,
    bob,
    viewer,
    request,
    call,
    addUser,
    async runningCluster(user, name = uniqueName('kc')) {
      // A kubeconfig cluster may name only a context an admin assigned to its owner: assign one first.
      const kubeContext = `${name}-${randomBytes(3).toString('hex')}`;
      const a = await call('POST', '/api/kube-contexts', {
        token: admin.token,
        body: { context: kubeContext, owner_id: user.id },
      });
      if (a.status !== 201)
        throw new Error(`runningCluster: allowlist ${a.status} ${JSON.stringify(a.body)}`);
      const r = await call<{ id: string }>('POST', '/api/minikube-clusters', {
        token: user.token,
        body: {
          name,
          cpus: 2,
          memory: 2048,
          disk_size: 20480,
          kubernetes_version: 'v1.30.0',
          kind: 'kubeconfig',
          kube_context: kubeContext,
        },
      });
      if (r.status !== 201) throw new Error(`runningCluster: ${r.status} ${JSON.stringify(r.body)}`);
      return { id: r.body.id };
    },
    async close() {
      await app.drain();
      // Best effort: leave nothing of this test behind in the shared Redis.
      try {
        let cursor = '0';
        do {
          const [next, keys] = await producer.redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
          cursor = next;
          if (keys.length) await producer.redis.del(...keys);
        } while (cursor !== '0');
      } catch {
        // Redis may be the thing under test (down).
      }
      await producer.close();
      await db.drop();
    },
  };
}
