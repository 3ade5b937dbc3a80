// The HTTP load generator, run as a CHILD PROCESS of bench/run.ts (child_process.fork, IPC messages).
// Why a child: the API under test runs in the parent; a client in the same event loop would queue its
// own timers and response parsing behind the server's work and inflate every latency it measures.
// Both still share the machine's 2 cores, which the README states next to the numbers.
//
// Plain global fetch (undici inside Node) with its default keep-alive agent: one connection per
// in-flight request, reused across requests, so at concurrency c about c sockets stay open.
import { performance } from 'node:perf_hooks';
import { type Summary, summarize } from './stats.ts';

export type LoadTarget = { path: string; token: string };

export type LoadRequest = {
  type: 'run';
  base: string;
  method: 'GET' | 'POST';
  /** Request i goes to targets[i % targets.length] (spreads load over users and their resources). */
  targets: LoadTarget[];
  /** POST only: body is an image named `${namePrefix}-${i}` (unique, so no 409 duplicates). */
  namePrefix?: string;
  concurrency: number;
  count: number;
  /** Unmeasured requests first, so every keep-alive socket is open before timing starts. */
  warmup: number;
  /** A scenario that is still running after this is cut short (the bench stays bounded). */
  deadlineMs: number;
};

export type LoadResult = {
  type: 'result';
  latency: Summary;
  elapsedMs: number;
  requestsPerSec: number;
  /** HTTP status -> count ("ERR" for network errors). */
  statuses: Record<string, number>;
  completed: number;
  timedOut: boolean;
};

async function one(r: LoadRequest, i: number): Promise<string> {
  const t = r.targets[i % r.targets.length];
  if (!t) return 'ERR';
  const headers: Record<string, string> = { authorization: `Bearer ${t.token}` };
  let body: string | undefined;
  if (r.method === 'POST') {
    headers['content-type'] = 'application/json';
    body = JSON.stringify({
      name: `${r.namePrefix ?? 'img'}-${i}`,
      tag: 'v1',
      repository: 'bench.local/app',
      description: 'bench',
    });
  }
  try {
    const res = await fetch(`${r.base}${t.path}`, { method: r.method, headers, body });
    // Read the whole body: a request is finished when its response is, and an unread body pins the socket.
    await res.arrayBuffer();
    return String(res.status);
  } catch {
    return 'ERR';
  }
}

async function run(r: LoadRequest): Promise<LoadResult> {
  const statuses: Record<string, number> = {};
  // Warm-up uses indices past `count` so POST names never collide with measured ones.
  let w = 0;
  await Promise.all(
    Array.from({ length: r.concurrency }, async () => {
      while (w < r.warmup) await one(r, r.count + w++);
    }),
  );
  const latencies: number[] = [];
  let next = 0;
  let timedOut = false;
  const start = performance.now();
  const deadline = start + r.deadlineMs;
  await Promise.all(
    Array.from({ length: r.concurrency }, async () => {
      while (next < r.count) {
        if (performance.now() > deadline) {
          timedOut = true;
          return;
        }
        const i = next++;
        const t0 = performance.now();
        const status = await one(r, i);
        latencies.push(performance.now() - t0);
        statuses[status] = (statuses[status] ?? 0) + 1;
      }
    }),
  );
  const elapsedMs = performance.now() - start;
  return {
    type: 'result',
    latency: summarize(latencies),
    elapsedMs,
    requestsPerSec: latencies.length / (elapsedMs / 1000),
    statuses,
    completed: latencies.length,
    timedOut,
  };
}

process.on('message', (m: LoadRequest | { type: 'exit' }) => {
  if (m.type === 'exit') {
    process.disconnect?.();
    process.exit(0);
  }
  if (m.type === 'run') {
    run(m).then(
      (res) => process.send?.(res),
      (e: unknown) => process.send?.({ type: 'error', message: e instanceof Error ? e.message : String(e) }),
    );
  }
});
