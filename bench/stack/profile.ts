// `node bench/stack/profile.ts <file.cpuprofile | file.heapprofile> [top]`: where a `node --cpu-prof`
// profile spent its time, or where an allocation profile's bytes were allocated (BENCH_HEAP_PROF,
// stack/heap-sampler.ts: collected objects included). Self time (or bytes) per function (top N) and
// per bucket: the npm package a frame's file is in, Slipway's own package or app, node internals, GC,
// idle. The apps are bundles with most of their npm dependencies inside, so a bundle frame is put in
// the module esbuild's `// path` comment above its line names, read from the bundle copied beside
// the profile (`api.main.js`, `worker.main.js`; without it: "slipway (bundle)"). `npm run bench` with
// BENCH_CPU_PROF / BENCH_HEAP_PROF = api (or worker, bare; comma-separated) writes both to
// .data/bench/profiles/.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

type CallFrame = { functionName: string; url: string; lineNumber: number };
type Node = { id: number; callFrame: CallFrame; hitCount?: number; children?: number[] };
type CpuProfile = { nodes: Node[]; samples: number[]; timeDeltas: number[] };
type HeapNode = { callFrame: CallFrame; selfSize: number; children: HeapNode[] };
type HeapProfile = { head: HeapNode };

/** A bundle's module starts: [line (0-based), path] from esbuild's `// path` comments, in order. */
export type ModuleMap = [number, string][];

export function moduleMap(bundleText: string): ModuleMap {
  const out: ModuleMap = [];
  const lines = bundleText.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const m = /^\/\/ ((?:\.\.\/)*(?:node_modules|packages|apps)\/\S+)$/.exec(lines[i] as string);
    if (m) out.push([i, (m[1] as string).replace(/^(\.\.\/)+/, '')]);
  }
  return out;
}

/** The bucket of a module path: its npm package, or Slipway's package / app (`slipway packages/db`). */
export function moduleBucket(path: string): string {
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
  if (pkg) return pkg[1] as string;
  const own = /^((?:packages|apps)\/[^/]+)/.exec(path);
  return own ? `slipway ${own[1]}` : path;
}

function moduleAt(map: ModuleMap, line: number): string | null {
  let lo = 0;
  let hi = map.length - 1;
  let found: string | null = null;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const [start, path] = map[mid] as [number, string];
    if (start <= line) {
      found = path;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}

const BUNDLE = /\/(build|dist)\/(api|worker)\/main\.js$/;
/** This checkout's root as a file URL prefix. */
const REPO = `${pathToFileURL(join(import.meta.dirname, '../..')).href}/`;

/** Names frames: function, file (module path inside a bundle), line; and their bucket. */
export function frameNamer(bundles: Partial<Record<'api' | 'worker', ModuleMap>> = {}) {
  return (f: CallFrame): { fn: string; bucket: string } => {
    const { functionName, url, lineNumber } = f;
    const app = BUNDLE.exec(url)?.[2] as 'api' | 'worker' | undefined;
    const map = app ? bundles[app] : undefined;
    const mod = map ? moduleAt(map, lineNumber) : null;
    const file = mod ?? url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*\/(build|dist)\//, '');
    const fn = `${functionName || '(anonymous)'} ${file}:${lineNumber + 1}`;
    let bucket: string;
    const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
    if (mod) bucket = moduleBucket(mod);
    else if (pkg) bucket = pkg[1] as string;
    else if (app) bucket = 'slipway (bundle)';
    else if (url.startsWith(REPO))
      bucket = url.slice(REPO.length); // a source file run as is (bench/stack/bare-server.ts)
    else if (url.startsWith('node:')) bucket = 'node internals';
    else if (functionName === '(garbage collector)') bucket = 'GC';
    else if (functionName === '(idle)') bucket = 'idle';
    else if (functionName === '(program)') bucket = '(program: native, async hooks, microtasks)';
    else bucket = url || `(native) ${functionName}`;
    return { fn, bucket };
  };
}

type Namer = ReturnType<typeof frameNamer>;

function report(
  head: string[],
  byBucket: Map<string, number>,
  byFn: Map<string, number>,
  total: number,
  top: number,
  what: string,
): string {
  const pct = (t: number) => `${((100 * t) / total).toFixed(1)}%`.padStart(6);
  const lines = [...head, '', `by bucket (${what}):`];
  for (const [k, t] of [...byBucket].sort((a, b) => b[1] - a[1]).slice(0, 25)) lines.push(`${pct(t)}  ${k}`);
  lines.push('', `top ${top} functions (${what}):`);
  for (const [k, t] of [...byFn].sort((a, b) => b[1] - a[1]).slice(0, top)) lines.push(`${pct(t)}  ${k}`);
  return lines.join('\n');
}

const add = <K>(m: Map<K, number>, k: K, v: number) => m.set(k, (m.get(k) ?? 0) + v);

export function summarize(p: CpuProfile, top = 30, name: Namer = frameNamer()): string {
  const self = new Map<number, number>();
  for (let i = 0; i < p.samples.length; i++) add(self, p.samples[i] as number, p.timeDeltas[i] ?? 0);
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const byFn = new Map<string, number>();
  const byBucket = new Map<string, number>();
  for (const n of p.nodes) {
    const t = self.get(n.id) ?? 0;
    if (!t) continue;
    const { fn, bucket } = name(n.callFrame);
    add(byFn, fn, t);
    add(byBucket, bucket, t);
  }
  const busy = total - (byBucket.get('idle') ?? 0);
  const head = [`total ${(total / 1e6).toFixed(1)} s sampled, busy ${(busy / 1e6).toFixed(1)} s`];
  return report(head, byBucket, byFn, total, top, 'self time');
}

/** An allocation profile: bytes allocated (sampled) by the function that allocated them. */
export function summarizeHeap(p: HeapProfile, top = 30, name: Namer = frameNamer()): string {
  const byFn = new Map<string, number>();
  const byBucket = new Map<string, number>();
  let total = 0;
  const stack: HeapNode[] = [p.head];
  for (let n = stack.pop(); n; n = stack.pop()) {
    if (n.selfSize) {
      const { fn, bucket } = name(n.callFrame);
      add(byFn, fn, n.selfSize);
      add(byBucket, bucket, n.selfSize);
      total += n.selfSize;
    }
    stack.push(...n.children);
  }
  const head = [`${(total / 2 ** 20).toFixed(1)} MB allocated (sampled, collected objects included)`];
  return report(head, byBucket, byFn, total, top, 'bytes allocated');
}

/** The bundles copied beside a profile (compare.ts does when profiling). */
function bundlesBeside(file: string): Partial<Record<'api' | 'worker', ModuleMap>> {
  const out: Partial<Record<'api' | 'worker', ModuleMap>> = {};
  for (const app of ['api', 'worker'] as const) {
    const f = join(dirname(file), `${app}.main.js`);
    if (existsSync(f)) out[app] = moduleMap(readFileSync(f, 'utf8'));
  }
  return out;
}

if (import.meta.main) {
  const file = process.argv[2];
  if (!file) {
    console.error('usage: node bench/stack/profile.ts <file.cpuprofile | file.heapprofile> [top]');
    process.exit(2);
  }
  const top = Number(process.argv[3] ?? 30);
  const name = frameNamer(bundlesBeside(file));
  const p = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile | HeapProfile;
  console.log('head' in p ? summarizeHeap(p, top, name) : summarize(p, top, name));
}
