// Phase 1: the real API (startApi, in this process) driven over HTTP by bench/load-client.ts (a child
// process). Rate limits are the contract's (premium 500/min per user), so the load is spread over many
// premium users: each user's total over the whole phase stays under 500, which means no fixed 60 s
// window can ever see more than its limit, whatever the timing. Nothing is relaxed for the bench.
import { type ChildProcess, fork } from 'node:child_process';
import { join } from 'node:path';
import { createDb, deployments } from '@slipway/db';
import { startBenchApi } from './infra.ts';
import type { LoadRequest, LoadResult, LoadTarget } from './load-client.ts';
import type { Summary } from './stats.ts';

export type HttpScenario = { name: string; concurrency: number };

export type HttpRow = {
  scenario: string;
  concurrency: number;
  requestsPerSec: number;
  latency: Summary;
  /** Responses that were not the scenario's success status (429s would mean the budget math is wrong). */
  errors: number;
  statuses: Record<string, number>;
  timedOut: boolean;
};

export type HttpOptions = {
  databaseUrl: string;
  redisUrl: string;
  prefix: string;
  /** Requests per scenario at concurrency > 1. */
  requestsPerScenario: number;
  /**
   * At concurrency 1 (a latency measurement, one request at a time): fewer, so the slowest endpoint
   * does not dominate the run; a few hundred sequential samples already give a stable p99.
   */
  sequentialRequests: number;
  concurrencies: number[];
  /** Deployments per user: the list endpoint returns a full default page (per_page 20). */
  deploymentsPerUser: number;
  scenarioDeadlineMs: number;
  log: (line: string) => void;
};

/** Each user's requests over the phase, warm-up and seeding included, stay below this. */
const PER_USER_BUDGET = 400;
const PREMIUM_LIMIT = 500;

type Json = Record<string, unknown>;

async function call(base: string, method: string, path: string, token: string | null, body?: unknown) {
  const headers: Record<string, string> = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const r = await fetch(`${base}${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = (await r.json().catch(() => ({}))) as Json;
  return { status: r.status, body: json };
}

async function expectStatus(
  p: Promise<{ status: number; body: Json }>,
  want: number,
  what: string,
): Promise<Json> {
  const r = await p;
  if (r.status !== want) throw new Error(`${what}: HTTP ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

/** Runs fn over items with at most `limit` in flight. */
async function pool<T>(items: T[], limit: number, fn: (t: T, i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        await fn(items[i] as T, i);
      }
    }),
  );
}

function startClient(): { child: ChildProcess; run(r: LoadRequest): Promise<LoadResult>; stop(): void } {
  const child = fork(join(import.meta.dirname, 'load-client.ts'), [], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return {
    child,
    run(r) {
      return new Promise((ok, fail) => {
        const onMessage = (m: LoadResult | { type: 'error'; message: string }) => {
          child.off('exit', onExit);
          if (m.type === 'result') ok(m);
          else fail(new Error(`load client: ${m.message}`));
        };
        const onExit = (code: number | null) => {
          child.off('message', onMessage);
          fail(new Error(`load client exited (${code})`));
        };
        child.once('message', onMessage);
        child.once('exit', onExit);
        child.send(r);
      });
    },
    stop() {
      if (child.connected) child.send({ type: 'exit' });
      setTimeout(() => child.kill('SIGKILL'), 2000).unref();
    },
  };
}

export async function runHttpBench(o: HttpOptions): Promise<{ rows: HttpRow[]; users: number }> {
  const { api, base, admin } = await startBenchApi(o);
  const client = startClient();
  try {
    const warmupPer = (c: number) => c * 2;
    const countFor = (c: number) => (c === 1 ? o.sequentialRequests : o.requestsPerScenario);
    const perPhase = 3 * o.concurrencies.reduce((a, c) => a + countFor(c) + warmupPer(c), 0);
    // Requests go round-robin over users, so each gets perPhase / users of them, plus its one
    // cluster create (logins count against the address, not the user; deployments go in by SQL).
    const users = Math.max(8, Math.ceil(perPhase / (PER_USER_BUDGET - 1)));
    if (users > 95) throw new Error(`${users} users needed: logins would pass the anonymous 100/min limit`);
    o.log(`http: ${users} premium users (≤ ${PER_USER_BUDGET} requests each, limit ${PREMIUM_LIMIT}/min)`);

    const adminToken = String(
      (await expectStatus(call(base, 'POST', '/api/auth/login', null, admin), 200, 'admin login'))
        .access_token,
    );
    const emails = Array.from({ length: users }, (_, i) => `user${i}@bench.local`);
    const tokens: string[] = new Array(users).fill('');
    const clusterIds: string[] = new Array(users).fill('');
    const userIds: string[] = new Array(users).fill('');
    // Concurrency 4: user creation and login hash with scrypt (~tens of ms each, on libuv's 4 threads).
    await pool(emails, 4, async (email, i) => {
      const created = await expectStatus(
        call(base, 'POST', '/api/users', adminToken, {
          email,
          password: admin.password,
          role: 'operator',
          tier: 'premium',
        }),
        201,
        'create user',
      );
      const t = await expectStatus(
        call(base, 'POST', '/api/auth/login', null, { email, password: admin.password }),
        200,
        'login',
      );
      tokens[i] = String(t.access_token);
      userIds[i] = String(created.id);
      // A registered kubeconfig cluster is `running` at once, so deployments can target it with no worker.
      // Its context must be one an admin assigned to the user (the allowlist).
      await expectStatus(
        call(base, 'POST', '/api/kube-contexts', adminToken, {
          context: `bench-${i}`,
          owner_id: String(created.id),
        }),
        201,
        'assign kube context',
      );
      const c = await expectStatus(
        call(base, 'POST', '/api/minikube-clusters', tokens[i] ?? '', {
          name: `bench-${i}`,
          cpus: 2,
          memory: 2048,
          disk_size: 20480,
          kubernetes_version: 'v1.28.0',
          kind: 'kubeconfig',
          kube_context: `bench-${i}`,
        }),
        201,
        'create cluster',
      );
      clusterIds[i] = String(c.id);
    });
    // Deployments are written straight into Postgres: only the list endpoint reads them, and 20 per
    // user through POST /api/deployments would cost the bench more time than all the GET scenarios.
    const seedDb = createDb({ url: o.databaseUrl, max: 1 });
    try {
      await seedDb.db.insert(deployments).values(
        userIds.flatMap((ownerId, u) =>
          Array.from({ length: o.deploymentsPerUser }, (_, d) => ({
            ownerId,
            clusterId: clusterIds[u] ?? '',
            name: `app-${d}`,
            replicas: 2,
            availableReplicas: 2,
            image: 'bench.local/app/web:v1',
            containerPort: 8080,
            status: 'running' as const,
            driver: 'sandbox',
          })),
        ),
      );
    } finally {
      await seedDb.close();
    }
    o.log(`http: seeded ${users} users, ${users} clusters, ${users * o.deploymentsPerUser} deployments`);

    const byUser = (path: (u: number) => string): LoadTarget[] =>
      tokens.map((token, u) => ({ token, path: path(u) }));
    const kinds: { name: string; method: 'GET' | 'POST'; targets: LoadTarget[]; ok: string }[] = [
      { name: 'GET /api/deployments', method: 'GET', targets: byUser(() => '/api/deployments'), ok: '200' },
      {
        name: 'GET /api/minikube-clusters/{id}',
        method: 'GET',
        targets: byUser((u) => `/api/minikube-clusters/${clusterIds[u]}`),
        ok: '200',
      },
      {
        name: 'POST /api/container-images',
        method: 'POST',
        targets: byUser(() => '/api/container-images'),
        ok: '201',
      },
    ];
    const rows: HttpRow[] = [];
    for (const k of kinds) {
      for (const concurrency of o.concurrencies) {
        const r = await client.run({
          type: 'run',
          base,
          method: k.method,
          targets: k.targets,
          namePrefix: `c${concurrency}`,
          concurrency,
          count: countFor(concurrency),
          warmup: warmupPer(concurrency),
          deadlineMs: o.scenarioDeadlineMs,
        });
        const errors = Object.entries(r.statuses)
          .filter(([s]) => s !== k.ok)
          .reduce((a, [, n]) => a + n, 0);
        rows.push({
          scenario: k.name,
          concurrency,
          requestsPerSec: r.requestsPerSec,
          latency: r.latency,
          errors,
          statuses: r.statuses,
          timedOut: r.timedOut,
        });
        o.log(
          `http: ${k.name} c=${concurrency}: ${r.requestsPerSec.toFixed(0)} req/s, p50 ${r.latency.p50.toFixed(2)} ms${errors ? `, ${errors} errors ${JSON.stringify(r.statuses)}` : ''}${r.timedOut ? ' (cut at deadline)' : ''}`,
        );
      }
    }
    return { rows, users };
  } finally {
    client.stop();
    await api.stop();
  }
}
