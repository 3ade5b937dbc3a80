// patches/postgres+3.4.9.patch: postgres.js's internal Queue (src/queue.js, and its cjs/ and cf/ copies)
// searched remove() from index 0 and only compacted when it emptied, so the pool's open/busy queues,
// which never empty under steady load, grew one dead slot per query. These tests load the installed
// queue modules by file path (the package does not export them) and fail on the unpatched file.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import postgres from 'postgres';
import { describe, expect, inject, it } from 'vitest';

type Queue<T> = { readonly length: number; push(x: T): T; shift(): T | undefined; remove(x: T): T | null };
type QueueFactory = <T>(initial?: T[]) => Queue<T>;

const require = createRequire(import.meta.url);

/** The installed postgres package's directory (its exports map hides package.json, so walk up from main). */
function postgresDir(): string {
  let dir = dirname(require.resolve('postgres'));
  for (;;) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string };
      if (pkg.name === 'postgres') return dir;
    } catch {}
    const up = dirname(dir);
    if (up === dir) throw new Error('postgres package directory not found');
    dir = up;
  }
}

const dir = postgresDir();
const builds: [string, () => Promise<QueueFactory>][] = [
  ['src (ESM)', async () => (await import(pathToFileURL(join(dir, 'src/queue.js')).href)).default],
  ['cjs', async () => require(join(dir, 'cjs/src/queue.js'))],
  ['cf', async () => (await import(pathToFileURL(join(dir, 'cf/src/queue.js')).href)).default],
];

/** A full collection, so retained memory can be measured without --expose-gc on the command line. */
function collect(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

/** Deterministic PRNG (mulberry32). */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe.each(builds)('postgres.js Queue, %s build', (_name, load) => {
  it('behaves like a plain FIFO array under a random mix of push, shift and remove', async () => {
    const Queue = await load();
    const q = Queue<object>();
    const model: object[] = [];
    const gone: object[] = [];
    const rnd = random(7);
    // Phases with different target sizes: empty, small, around and well past the compaction size.
    const targets = [0, 3, 40, 1500, 5000, 10];
    for (let phase = 0; phase < 12; phase++) {
      const target = targets[phase % targets.length] as number;
      for (let i = 0; i < 8000; i++) {
        const r = rnd();
        if (r < 0.05) {
          // shift on empty (or not) keeps returning what a plain array would
          expect(q.shift()).toBe(model.shift());
        } else if (r < 0.1 && model.length > 0) {
          const x = model.splice(Math.floor(rnd() * model.length), 1)[0] as object;
          expect(q.remove(x)).toBe(x);
          gone.push(x);
        } else if (r < 0.15 && gone.length > 0) {
          expect(q.remove(gone[Math.floor(rnd() * gone.length)] as object)).toBe(null);
        } else if (r < 0.17) {
          expect(q.remove({})).toBe(null);
        } else if (model.length < target || (model.length === target && r < 0.6)) {
          const x = {};
          expect(q.push(x)).toBe(x);
          model.push(x);
        } else {
          const x = model.shift();
          expect(q.shift()).toBe(x);
          if (x) gone.push(x);
        }
        expect(q.length).toBe(model.length);
      }
      if (gone.length > 10_000) gone.splice(0, gone.length - 1000);
    }
    while (model.length) expect(q.shift()).toBe(model.shift());
    expect(q.length).toBe(0);
    expect(q.shift()).toBe(undefined);
    expect(Queue([1, 2, 3]).shift()).toBe(1);
  });

  it("follows the pool's open/busy moves: a shifted connection is not found again, order is kept", async () => {
    const Queue = await load();
    // index.js: go(open.shift(), query) then move(c, busy) -> open.remove(c); when the query ends,
    // move(c, open) -> busy.remove(c). Two query loops on a pool of 10, so open never empties.
    const connections = Array.from({ length: 10 }, (_, id) => ({ id }));
    const open = Queue(connections);
    const busy = Queue<{ id: number }>();
    const inFlight: { id: number }[] = [];
    let expected = 0;
    for (let i = 0; i < 20_000; i++) {
      const c = open.shift() as { id: number };
      expect(c.id).toBe(expected % 10);
      expected++;
      expect(open.remove(c)).toBe(null);
      busy.push(c);
      inFlight.push(c);
      if (inFlight.length === 2) {
        const done = inFlight.shift() as { id: number };
        expect(busy.remove(done)).toBe(done);
        open.push(done);
      }
      expect(open.length + busy.length).toBe(10);
    }
  });

  it('keeps a queue that never empties bounded (1e6 shifts hold no dead slots)', async () => {
    const Queue = await load();
    collect();
    const before = getHeapStatistics().used_heap_size;
    const q = Queue<number>();
    for (let i = 0; i < 10; i++) q.push(i);
    let wrong = 0;
    for (let i = 10; i < 1_010_000; i++) {
      q.push(i);
      if (q.shift() !== i - 10) wrong++;
    }
    collect();
    const retained = getHeapStatistics().used_heap_size - before;
    expect(wrong).toBe(0);
    expect(q.length).toBe(10);
    // Unpatched: one 8-byte slot per shift, 8 MB+ for 1e6. Patched: at most ~2k slots.
    expect(retained).toBeLessThan(4 * 1024 * 1024);
  });
});

describe('postgres.js pool with the patched queue', () => {
  it('answers two concurrent query loops and transactions on a warm pool of 10', async () => {
    const sql = postgres(inject('pgAdminUrl'), { max: 10, onnotice: () => {} });
    try {
      // Warm: ten concurrent sleeps open all ten connections.
      await Promise.all(Array.from({ length: 10 }, () => sql`select pg_sleep(0.05)`));
      type Row = { n: number; pid: number };
      const pids = new Set<number>();
      const loop = async (k: number) => {
        for (let i = 0; i < 2000; i++) {
          const n = i * 2 + k;
          const [row] = await sql<Row[]>`select ${n}::int as n, pg_backend_pid() as pid`;
          expect(row?.n).toBe(n);
          pids.add(row?.pid as number);
        }
      };
      const transactions = async () => {
        for (let i = 0; i < 200; i++) {
          const n = await sql.begin(async (tx) => {
            const [a] = await tx<{ n: number }[]>`select ${i}::int as n`;
            const [b] = await tx<{ n: number }[]>`select ${(a?.n ?? 0) + 1}::int as n`;
            return b?.n;
          });
          expect(n).toBe(i + 1);
        }
      };
      await Promise.all([loop(0), loop(1), transactions()]);
      expect(pids.size).toBeGreaterThan(1);
      expect(pids.size).toBeLessThanOrEqual(10);
    } finally {
      await sql.end();
    }
  });
});
