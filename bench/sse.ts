// Phase 5: live streams. The real API (startApi, in this process) with 100 open SSE streams
// (GET /api/operations/{id}/events, read by @slipway/client's watchOperation: 5 users x 20, the
// per-user maximum); a separate Postgres pool (what a worker process is) appends events through
// core's lease API at a steady rate. Delay = from the start of the committing call to the message
// parsed at the client (so it includes the commit's own round trip), over every stream.
// Runs alone: `node bench/sse.ts` (BENCH_DATABASE_URL / BENCH_REDIS_URL as for npm run bench).
import { randomBytes } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { createSlipwayClient } from '@slipway/client';
import { claimOperation, type Lease } from '@slipway/core';
import { createDb } from '@slipway/db';
import { createInfra, startBenchApi } from './infra.ts';
import { ms, type Summary, summarize } from './stats.ts';

export type SseRow = { streams: number; samples: number; delay: Summary; lost: number; ratePerSec: number };

export type SseOptions = {
  databaseUrl: string;
  redisUrl: string;
  prefix: string;
  users?: number;
  streamsPerUser?: number;
  rounds?: number;
  ratePerSec?: number;
  log: (line: string) => void;
};

const sleep = (msec: number) => new Promise((r) => setTimeout(r, msec));

export async function runSseBench(o: SseOptions): Promise<SseRow> {
  const users = o.users ?? 5;
  const perUser = o.streamsPerUser ?? 20;
  const rounds = o.rounds ?? 10;
  const rate = o.ratePerSec ?? 200;
  const { api, base, admin } = await startBenchApi(o);
  const worker = createDb({ url: o.databaseUrl, max: 4 });
  const leases: Lease[] = [];
  try {
    const root = createSlipwayClient({ baseUrl: base });
    await root.login(admin.email, admin.password);
    const ops: { opId: string; client: ReturnType<typeof createSlipwayClient> }[] = [];
    for (let u = 0; u < users; u++) {
      const email = `sse-${u}-${randomBytes(3).toString('hex')}@bench.local`;
      const password = randomBytes(12).toString('hex');
      const made = await root.api.POST('/api/users', {
        body: { email, password, role: 'operator', tier: 'premium' },
      });
      if (!made.data) throw new Error(`user: ${made.response.status}`);
      const client = createSlipwayClient({ baseUrl: base });
      await client.login(email, password);
      for (let i = 0; i < perUser; i++) {
        const img = await client.api.POST('/api/container-images', {
          body: { name: `sse-${u}-${i}`, tag: 'latest', repository: 'docker.io/bench' },
        });
        const opId = (img.data as { operation_id?: string } | undefined)?.operation_id;
        if (!opId) throw new Error(`image: ${img.response.status}`);
        ops.push({ opId, client });
      }
    }
    for (const { opId } of ops) {
      const c = await claimOperation(worker.db, opId, { leaseMs: 120_000, workerId: 'bench-sse' });
      if (c.outcome !== 'claimed') throw new Error(`claim ${opId}: ${c.outcome}`);
      leases.push(c.lease);
    }

    const sentAt = new Map<string, number>();
    const delays: number[] = [];
    let connected = 0;
    const readers = ops.map(({ opId, client }) =>
      (async () => {
        let counted = false;
        for await (const e of client.watchOperation(opId)) {
          if (!counted && e.data.status === 'running') {
            counted = true;
            connected++;
          }
          const t0 = sentAt.get(`${opId} ${e.data.message}`);
          if (t0 !== undefined) delays.push(performance.now() - t0);
        }
      })(),
    );
    const deadline = Date.now() + 30_000;
    while (connected < ops.length && Date.now() < deadline) await sleep(20);
    if (connected < ops.length) throw new Error(`only ${connected}/${ops.length} streams connected`);
    o.log(`sse: ${ops.length} streams open; ${rounds} rounds of one event per stream at ${rate}/s`);

    const gap = 1000 / rate;
    for (let r = 0; r < rounds; r++) {
      for (let i = 0; i < leases.length; i++) {
        const lease = leases[i] as Lease;
        const msg = `bench round ${r}`;
        sentAt.set(`${lease.op.id} ${msg}`, performance.now());
        const t = performance.now();
        await lease.event(msg);
        const left = gap - (performance.now() - t);
        if (left > 0) await sleep(left);
      }
    }
    const expected = rounds * leases.length;
    const settle = Date.now() + 10_000;
    while (delays.length < expected && Date.now() < settle) await sleep(20);
    for (const l of leases) await l.succeed({ message: 'bench done' });
    leases.length = 0;
    await Promise.race([Promise.all(readers), sleep(10_000)]);
    return {
      streams: ops.length,
      samples: delays.length,
      delay: summarize(delays),
      lost: expected - delays.length,
      ratePerSec: rate,
    };
  } finally {
    for (const l of leases) await l.fail('bench aborted').catch(() => {});
    await api.stop();
    await worker.close();
  }
}

export function sseTable(r: SseRow): string[] {
  return [
    `streams open: ${r.streams}; events: ${r.samples} received of ${r.samples + r.lost} written (${r.ratePerSec}/s)`,
    `commit -> SSE message at the client: p50 ${ms(r.delay.p50)} ms, p95 ${ms(r.delay.p95)} ms, p99 ${ms(r.delay.p99)} ms, max ${ms(r.delay.max)} ms (target < 500 ms)`,
  ];
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const env = process.env;
  const infra = await createInfra(
    env.BENCH_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres',
    env.BENCH_REDIS_URL || 'redis://127.0.0.1:6379',
  );
  let code = 0;
  try {
    const db = await infra.clone('sse');
    const row = await runSseBench({
      databaseUrl: db,
      redisUrl: infra.redisUrl,
      prefix: `${infra.prefix}_sse`,
      log: (l) => process.stderr.write(`[bench] ${l}\n`),
    });
    process.stdout.write(`${sseTable(row).join('\n')}\n`);
  } catch (e) {
    process.stderr.write(`FAILED: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    code = 1;
  } finally {
    await infra.cleanup();
  }
  process.exit(code);
}
