// Allocation sampling of a bench child over the inspector protocol (BENCH_HEAP_PROF). `node
// --heap-prof` keeps only the samples of objects still alive when the process exits, which says
// nothing about the garbage a request leaves behind: what makes a server's scavenges. V8's sampling
// heap profiler can keep the collected ones too (includeObjectsCollectedByMinorGC/MajorGC), which
// only the inspector's HeapProfiler.startSampling exposes. The child runs with
// `--inspect=127.0.0.1:0`; its log names the WebSocket URL; this connects with Node's own WebSocket
// client and writes the profile (.heapprofile, as DevTools reads it) when stopped.
import { readFileSync, writeFileSync } from 'node:fs';

/** The inspector's WebSocket URL, once the child has written it to its log (null: not yet). */
export function inspectorUrl(logFile: string): string | null {
  try {
    return /Debugger listening on (ws:\/\/\S+)/.exec(readFileSync(logFile, 'utf8'))?.[1] ?? null;
  } catch {
    return null;
  }
}

type Cdp = { call(method: string, params?: object): Promise<Record<string, unknown>>; close(): void };

async function connect(url: string): Promise<Cdp> {
  const ws = new WebSocket(url);
  await new Promise<void>((ok, fail) => {
    ws.addEventListener('open', () => ok(), { once: true });
    ws.addEventListener('error', () => fail(new Error(`inspector at ${url} refused the connection`)), {
      once: true,
    });
  });
  let id = 0;
  const waiting = new Map<number, (m: { result?: Record<string, unknown>; error?: unknown }) => void>();
  ws.addEventListener('message', (e) => {
    const m = JSON.parse(String(e.data)) as {
      id?: number;
      result?: Record<string, unknown>;
      error?: unknown;
    };
    if (m.id === undefined) return;
    waiting.get(m.id)?.(m);
    waiting.delete(m.id);
  });
  return {
    call(method, params = {}) {
      return new Promise((ok, fail) => {
        const i = ++id;
        waiting.set(i, (m) =>
          m.error ? fail(new Error(`${method}: ${JSON.stringify(m.error)}`)) : ok(m.result ?? {}),
        );
        ws.send(JSON.stringify({ id: i, method, params }));
      });
    },
    close: () => ws.close(),
  };
}

export type HeapSampler = { stop(): Promise<void> };

/**
 * Starts sampling every allocation of the child whose log is `logFile` (one sample per
 * `intervalBytes` allocated on average), collected objects included; `stop()` writes the profile to
 * `outFile`. Waits up to `timeoutMs` for the inspector's URL.
 */
export async function startHeapSampling(
  logFile: string,
  outFile: string,
  intervalBytes = 8192,
  timeoutMs = 30_000,
): Promise<HeapSampler> {
  const deadline = Date.now() + timeoutMs;
  let url = inspectorUrl(logFile);
  while (!url) {
    if (Date.now() > deadline) throw new Error(`no inspector URL in ${logFile}`);
    await new Promise((r) => setTimeout(r, 50));
    url = inspectorUrl(logFile);
  }
  const cdp = await connect(url);
  await cdp.call('HeapProfiler.startSampling', {
    samplingInterval: intervalBytes,
    includeObjectsCollectedByMinorGC: true,
    includeObjectsCollectedByMajorGC: true,
  });
  return {
    async stop() {
      try {
        const { profile } = await cdp.call('HeapProfiler.stopSampling');
        writeFileSync(outFile, JSON.stringify(profile));
      } finally {
        cdp.close();
      }
    },
  };
}
