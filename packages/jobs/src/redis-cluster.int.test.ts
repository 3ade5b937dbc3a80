// A private three-master Redis Cluster on loopback ports (redis-server --cluster-enabled yes,
// redis-cli --cluster create), and Slipway through it: BullMQ producer and worker, cancel pub/sub and
// the worker registry in-process; then the real API and worker processes over HTTP (login limiter,
// per-caller rate limit, Idempotency-Key, a job run end to end, the drivers report).
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createTestDatabase,
  freePort,
  ProcessCluster,
  READY,
  type TestDatabase,
  waitUntil,
} from '@slipway/testing';
import { Worker } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProducer, subscribeCancels } from './producer.ts';
import { clusterLocator, workerConnection } from './redis.ts';
import { announceWorker, listWorkers } from './registry.ts';

const haveRedis =
  spawnSync('redis-server', ['--version']).status === 0 && spawnSync('redis-cli', ['--version']).status === 0;

/** Three masters, no replicas, on free loopback ports; data in a temp dir removed at stop(). */
async function startCluster(): Promise<{ ports: number[]; stop(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'slipway-redis-cluster-'));
  const ports: number[] = [];
  const procs: ChildProcess[] = [];
  for (let i = 0; i < 3; i++) {
    const port = await freePort();
    ports.push(port);
    const p = spawn(
      'redis-server',
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--dir',
        dir,
        '--cluster-enabled',
        'yes',
        '--cluster-config-file',
        `nodes-${port}.conf`,
        '--cluster-node-timeout',
        '5000',
        '--save',
        '',
        '--appendonly',
        'no',
        '--maxmemory-policy',
        'noeviction',
        '--protected-mode',
        'no',
      ],
      { stdio: 'ignore' },
    );
    procs.push(p);
  }
  const stop = async () => {
    for (const p of procs) p.kill('SIGKILL');
    await Promise.all(
      procs.map((p) => (p.exitCode === null ? new Promise((ok) => p.once('exit', ok)) : null)),
    );
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (const port of ports)
      await waitUntil(
        `redis-server on ${port}`,
        () =>
          spawnSync('redis-cli', ['-p', String(port), 'ping'])
            .stdout?.toString()
            .includes('PONG'),
        10_000,
      );
    const create = spawnSync(
      'redis-cli',
      [
        '--cluster',
        'create',
        ...ports.map((p) => `127.0.0.1:${p}`),
        '--cluster-replicas',
        '0',
        '--cluster-yes',
      ],
      { encoding: 'utf8' },
    );
    if (create.status !== 0)
      throw new Error(`redis-cli --cluster create failed: ${create.stdout}${create.stderr}`);
    for (const port of ports)
      await waitUntil(
        `cluster_state:ok on ${port}`,
        () =>
          spawnSync('redis-cli', ['-p', String(port), 'cluster', 'info'], {
            encoding: 'utf8',
          }).stdout.includes('cluster_state:ok'),
        20_000,
      );
  } catch (e) {
    await stop();
    throw e;
  }
  return { ports, stop };
}

describe.skipIf(!haveRedis && !process.env.CI)('Slipway on a three-master Redis Cluster', () => {
  let cluster: Awaited<ReturnType<typeof startCluster>>;
  let locator = '';
  const prefix = `{t${randomBytes(4).toString('hex')}}`;

  beforeAll(async () => {
    cluster = await startCluster();
    const nodes = cluster.ports.map((p) => `127.0.0.1:${p}`).join(',');
    locator = clusterLocator(`redis://127.0.0.1:${cluster.ports[0]}`, nodes);
  }, 60_000);
  afterAll(async () => {
    await cluster?.stop();
  });

  it('redis-server and redis-cli are installed (.ci/run installs redis-server)', () => {
    expect(haveRedis).toBe(true);
  });

  it('BullMQ: the producer enqueues and a worker runs the job; keys share the hash-tag slot', async () => {
    const producer = createProducer({ redisUrl: locator, prefix });
    await producer.ready(10_000);
    const connection = workerConnection(locator);
    const seen: string[] = [];
    const worker = new Worker(
      'images',
      async (job) => {
        seen.push(String(job.data.operationId));
      },
      { connection, prefix },
    );
    try {
      const id = '0192f0c5-1111-7000-8000-000000000001';
      await producer.enqueue('image.build', id, { fresh: true });
      await waitUntil('the job to run', () => seen.includes(id), 20_000);
      expect(await producer.holds('image.build', id)).toBe(false);
      // The job's keys are spread over no more than the one slot of the hash tag.
      const slot = await producer.redis.cluster('KEYSLOT', `${prefix}:images:${id}`);
      expect(await producer.redis.cluster('KEYSLOT', `${prefix}:images:wait`)).toBe(slot);
    } finally {
      await worker.close();
      connection.disconnect();
      await producer.close();
    }
  });

  it('cancel announcements over pub/sub and the worker registry (SCAN over every master)', async () => {
    const producer = createProducer({ redisUrl: locator, prefix });
    await producer.ready(10_000);
    const got: string[] = [];
    const sub = subscribeCancels(locator, prefix, (id) => got.push(id));
    try {
      await waitUntil(
        'the subscription',
        async () => {
          await producer.publishCancel('op-1');
          return got.includes('op-1');
        },
        10_000,
      );
      // Keys spread over every master (other prefixes), plus ours in one slot.
      const plain = producer.redis;
      for (let i = 0; i < 30; i++) await plain.set(`noise:${i}`, '1', 'EX', 60);
      for (const w of ['w-a', 'w-b', 'w-c'])
        await announceWorker(plain, prefix, {
          workerId: w,
          queues: ['images'],
          drivers: [],
          startedAt: new Date().toISOString(),
        });
      expect((await listWorkers(plain, prefix)).map((w) => w.workerId)).toEqual(['w-a', 'w-b', 'w-c']);
      // The cluster-wide SCAN sees the noise keys on every master too.
      const all = new Set<string>();
      let cursor = '0';
      do {
        const [next, keys] = await plain.scan(cursor, 'MATCH', 'noise:*', 'COUNT', 5);
        cursor = next;
        for (const k of keys) all.add(k);
      } while (cursor !== '0');
      expect(all.size).toBe(30);
    } finally {
      sub.close();
      await producer.close();
    }
  });

  describe('the real API and worker processes', () => {
    const processes = new ProcessCluster();
    let t: TestDatabase;
    let base = '';
    const admin = { email: 'cluster@e2e.local', password: `pw-${randomBytes(6).toString('hex')}` };

    beforeAll(async () => {
      t = await createTestDatabase();
      const apiPort = await freePort();
      base = `http://127.0.0.1:${apiPort}`;
      const env = {
        DATABASE_URL: t.url,
        // Only the credentials and scheme come from REDIS_URL (its host is not even resolvable);
        // the nodes come from REDIS_CLUSTER_NODES.
        REDIS_URL: 'redis://credentials-only.invalid:6379',
        REDIS_CLUSTER_NODES: cluster.ports.map((p) => `127.0.0.1:${p}`).join(','),
        QUEUE_PREFIX: `{c${randomBytes(4).toString('hex')}}`,
        DRIVER: 'sandbox',
      };
      const api = processes.api('api-cluster', {
        ...env,
        PORT: String(apiPort),
        JWT_SECRET: randomBytes(32).toString('hex'),
        ADMIN_EMAIL: admin.email,
        ADMIN_PASSWORD: admin.password,
      });
      const worker = processes.worker('worker-cluster', {
        ...env,
        SANDBOX_TIME_SCALE: '0.05',
        WORKER_METRICS_PORT: '0',
      });
      await Promise.all([api.start(READY.api, 60_000), worker.start(READY.worker, 60_000)]);
    }, 120_000);
    afterAll(async () => {
      await processes.killAll();
      await t?.drop();
    });

    const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
      fetch(`${base}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify(body),
      });

    it('login, rate limit, Idempotency-Key, a job end to end and the drivers report, all on the cluster', async () => {
      const login = await post('/api/auth/login', admin);
      expect(login.status).toBe(200);
      const token = ((await login.json()) as { access_token: string }).access_token;
      const auth = { authorization: `Bearer ${token}` };

      // Per-caller sliding window (a Lua script on the cluster): the remaining budget goes down.
      const r1 = await fetch(`${base}/api/container-images`, { headers: auth });
      const r2 = await fetch(`${base}/api/container-images`, { headers: auth });
      expect(r1.status).toBe(200);
      expect(Number(r2.headers.get('x-ratelimit-remaining'))).toBe(
        Number(r1.headers.get('x-ratelimit-remaining')) - 1,
      );
      // Checks arriving together go out as one script call with several keys (a user's and an
      // address's here): the prefix's hash tag keeps them in one slot, so no CROSSSLOT.
      const together = await Promise.all([
        ...Array.from({ length: 6 }, () => fetch(`${base}/api/container-images`, { headers: auth })),
        post('/api/auth/login', admin),
      ]);
      expect(together.map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 200, 200]);
      const left = together.slice(0, 6).map((r) => Number(r.headers.get('x-ratelimit-remaining')));
      const below = Number(r2.headers.get('x-ratelimit-remaining'));
      expect(left.sort((x, y) => y - x)).toEqual([1, 2, 3, 4, 5, 6].map((i) => below - i));

      // Idempotency-Key: the retry gets the first answer, not a second image.
      const key = `k-${randomBytes(6).toString('hex')}`;
      const body = { name: 'on-a-cluster', tag: 'v1', repository: 'docker.io/cluster' };
      const a = await post('/api/container-images', body, { ...auth, 'Idempotency-Key': key });
      const b = await post('/api/container-images', body, { ...auth, 'Idempotency-Key': key });
      expect(a.status).toBe(201);
      const first = (await a.json()) as { id: string; operation_id?: string };
      expect(((await b.json()) as { id: string }).id).toBe(first.id);

      // BullMQ through the cluster: the worker process builds it.
      await waitUntil(
        'the image to be built by the worker',
        async () => {
          const r = await fetch(`${base}/api/container-images/${first.id}`, { headers: auth });
          return ((await r.json()) as { status: string }).status === 'built';
        },
        60_000,
      );

      // SSE: the operation's event stream (its per-user stream lease lives in Redis) replays to done.
      const opId = (first as { operation_id?: string }).operation_id;
      expect(opId).toBeTruthy();
      const ac = new AbortController();
      const stream = await fetch(`${base}/api/operations/${opId}/events`, {
        headers: { ...auth, accept: 'text/event-stream' },
        signal: ac.signal,
      });
      expect(stream.status).toBe(200);
      expect(stream.headers.get('content-type')).toContain('text/event-stream');
      let sse = '';
      const decoder = new TextDecoder();
      try {
        for await (const chunk of stream.body as unknown as AsyncIterable<Uint8Array>) {
          sse += decoder.decode(chunk, { stream: true });
          if (/event: done/.test(sse)) break;
        }
      } finally {
        ac.abort();
      }
      expect(sse).toMatch(/event: done/);

      // The worker's announcement is found by a cluster-wide SCAN.
      const drivers = (await (await fetch(`${base}/api/system/drivers`, { headers: auth })).json()) as {
        drivers: { worker?: string }[];
      };
      expect(drivers.drivers.some((d) => d.worker === 'worker-cluster')).toBe(true);

      // The login limiter (rate-limiter-flexible on the cluster) refuses a guessing streak.
      const statuses: number[] = [];
      for (let i = 0; i < 12 && !statuses.includes(429); i++)
        statuses.push(
          (await post('/api/auth/login', { email: admin.email, password: 'wrong-password' })).status,
        );
      expect(statuses).toContain(401);
      expect(statuses.at(-1)).toBe(429);
    }, 120_000);
  });
});
