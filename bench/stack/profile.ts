// `node bench/stack/profile.ts <file.cpuprofile> [top]`: where a `node --cpu-prof` profile spent its
// time. Self time per function (top N) and per bucket: the npm package a frame's file is in, the
// bundle (Slipway's own code), node internals, GC, idle. `npm run bench` with BENCH_CPU_PROF=api
// (or worker, or api,worker) writes the profiles to .data/bench/profiles/.
import { readFileSync } from 'node:fs';

type Node = {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
};
type Profile = { nodes: Node[]; samples: number[]; timeDeltas: number[] };

export function summarize(p: Profile, top = 30): string {
  const self = new Map<number, number>();
  for (let i = 0; i < p.samples.length; i++) {
    const id = p.samples[i] as number;
    self.set(id, (self.get(id) ?? 0) + (p.timeDeltas[i] ?? 0));
  }
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const byFn = new Map<string, number>();
  const byBucket = new Map<string, number>();
  for (const n of p.nodes) {
    const t = self.get(n.id) ?? 0;
    if (!t) continue;
    const { functionName, url, lineNumber } = n.callFrame;
    const fn = `${functionName || '(anonymous)'} ${url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*\/(build|dist)\//, '')}:${lineNumber + 1}`;
    byFn.set(fn, (byFn.get(fn) ?? 0) + t);
    let bucket: string;
    const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
    if (pkg) bucket = pkg[1] as string;
    else if (/\/(build|dist)\/(api|worker)\/main\.js$/.test(url) || url.includes('/work/main/'))
      bucket = 'slipway (bundle)';
    else if (url.startsWith('node:')) bucket = 'node internals';
    else if (functionName === '(garbage collector)') bucket = 'GC';
    else if (functionName === '(idle)') bucket = 'idle';
    else if (functionName === '(program)') bucket = '(program: native, async hooks, microtasks)';
    else bucket = url || `(native) ${functionName}`;
    byBucket.set(bucket, (byBucket.get(bucket) ?? 0) + t);
  }
  const pct = (t: number) => `${((100 * t) / total).toFixed(1)}%`.padStart(6);
  const busy = total - (byBucket.get('idle') ?? 0);
  const lines = [
    `total ${(total / 1e6).toFixed(1)} s sampled, busy ${(busy / 1e6).toFixed(1)} s`,
    '',
    'by bucket (self time):',
  ];
  for (const [k, t] of [...byBucket].sort((a, b) => b[1] - a[1]).slice(0, 25)) lines.push(`${pct(t)}  ${k}`);
  lines.push('', `top ${top} functions (self time):`);
  for (const [k, t] of [...byFn].sort((a, b) => b[1] - a[1]).slice(0, top)) lines.push(`${pct(t)}  ${k}`);
  return lines.join('\n');
}

if (import.meta.main) {
  const file = process.argv[2];
  if (!file) {
    console.error('usage: node bench/stack/profile.ts <file.cpuprofile> [top]');
    process.exit(2);
  }
  console.log(summarize(JSON.parse(readFileSync(file, 'utf8')) as Profile, Number(process.argv[3] ?? 30)));
}
