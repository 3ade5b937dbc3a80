// Phase 3: postgres.js pool behaviour after a burst (porsager/postgres#747), measured directly with
// postgres.js (no drizzle, no app): pool max 10; a steady loop of `select 1` at concurrency 10 before
// and after a burst of 1000 concurrent queries; default max_pipeline (100) vs max_pipeline: 1, which is
// what packages/db/src/client.ts sets. Rounds alternate the two modes so drift (other load, CPU
// frequency) hits both alike; the report is the median round.
import { performance } from 'node:perf_hooks';
import postgres from 'postgres';
import { type Summary, summarize } from './stats.ts';

export type Steady = { qps: number; latency: Summary };
export type PoolRound = { before: Steady; burstMs: number; after: Steady; mixed: Mixed };
/** Correctness, not speed: transactions that postgres.js rejected under a mixed load. */
export type Mixed = { transactions: number; unsafe: number; otherErrors: number };
export type PoolRow = {
  mode: string;
  maxPipeline: number;
  before: Steady;
  burstMs: number;
  after: Steady;
  /** after.qps / before.qps: < 1 means the pool got slower after the burst. */
  ratio: number;
  /** Summed over all rounds. */
  mixed: Mixed;
};

export type PoolOptions = {
  url: string;
  steadyQueries: number;
  steadyConcurrency: number;
  burst: number;
  rounds: number;
};

async function steady(sql: postgres.Sql, n: number, concurrency: number): Promise<Steady> {
  const lat: number[] = [];
  let next = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next++ < n) {
        const t0 = performance.now();
        await sql`select 1`;
        lat.push(performance.now() - t0);
      }
    }),
  );
  const elapsed = performance.now() - start;
  return { qps: lat.length / (elapsed / 1000), latency: summarize(lat) };
}

/**
 * 40 callers on the 10-connection pool, half sql.begin (two statements), half plain queries. A BEGIN
 * that lands on a connection whose pipeline it fills is written without the connection being
 * reserved (postgres.js 3.4.9 connection.js execute(): the onexecute hook is the last term of an &&
 * chain after `sent.length < max_pipeline`), and is rejected as UNSAFE_TRANSACTION
 * (porsager/postgres#1189, #823; fixes proposed in #1211/#1218). The smaller max_pipeline, the
 * more often that boundary is hit.
 */
async function mixed(sql: postgres.Sql): Promise<Mixed> {
  const out: Mixed = { transactions: 0, unsafe: 0, otherErrors: 0 };
  await Promise.all(
    Array.from({ length: 40 }, async (_, w) => {
      for (let i = 0; i < 50; i++) {
        const tx = (i + w) % 2 === 1;
        if (tx) out.transactions++;
        try {
          if (tx)
            await sql.begin(async (t) => {
              await t`select 1`;
              await t`select 2`;
            });
          else await sql`select 1`;
        } catch (e) {
          if (/UNSAFE_TRANSACTION/.test((e as Error).message)) out.unsafe++;
          else out.otherErrors++;
        }
      }
    }),
  );
  return out;
}

async function round(o: PoolOptions, maxPipeline: number | null): Promise<PoolRound> {
  const sql = postgres(o.url, {
    max: 10,
    onnotice: () => {},
    ...(maxPipeline === null ? {} : { max_pipeline: maxPipeline }),
  } as postgres.Options<Record<string, postgres.PostgresType>>);
  try {
    // Open all 10 connections and warm the prepared statement before anything is timed.
    await steady(sql, 500, o.steadyConcurrency);
    const before = await steady(sql, o.steadyQueries, o.steadyConcurrency);
    const t0 = performance.now();
    await Promise.all(Array.from({ length: o.burst }, () => sql`select 1`));
    const burstMs = performance.now() - t0;
    const after = await steady(sql, o.steadyQueries, o.steadyConcurrency);
    return { before, burstMs, after, mixed: await mixed(sql) };
  } finally {
    await sql.end({ timeout: 5 });
  }
}

function median<T>(xs: T[], key: (x: T) => number): T {
  const s = [...xs].sort((a, b) => key(a) - key(b));
  return s[Math.floor((s.length - 1) / 2)] as T;
}

export async function runPoolBench(o: PoolOptions): Promise<PoolRow[]> {
  const modes: { mode: string; maxPipeline: number | null; effective: number }[] = [
    { mode: 'default', maxPipeline: null, effective: 100 },
    { mode: 'max_pipeline: 1', maxPipeline: 1, effective: 1 },
  ];
  const results = new Map<string, PoolRound[]>(modes.map((m) => [m.mode, []]));
  for (let r = 0; r < o.rounds; r++) {
    for (const m of r % 2 === 0 ? modes : [...modes].reverse()) {
      results.get(m.mode)?.push(await round(o, m.maxPipeline));
    }
  }
  return modes.map((m) => {
    const rs = results.get(m.mode) ?? [];
    // The median round by its after/before ratio, reported whole so its numbers stay consistent.
    const mid = median(rs, (x) => x.after.qps / x.before.qps);
    return {
      mode: m.mode,
      maxPipeline: m.effective,
      before: mid.before,
      burstMs: mid.burstMs,
      after: mid.after,
      ratio: mid.after.qps / mid.before.qps,
      mixed: rs.reduce<Mixed>(
        (a, r) => ({
          transactions: a.transactions + r.mixed.transactions,
          unsafe: a.unsafe + r.mixed.unsafe,
          otherErrors: a.otherErrors + r.mixed.otherErrors,
        }),
        { transactions: 0, unsafe: 0, otherErrors: 0 },
      ),
    };
  });
}
