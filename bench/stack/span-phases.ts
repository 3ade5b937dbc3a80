// `node bench/stack/span-phases.ts <spans.jsonl> [depth]`: where each request's or job's time went, from
// the processes' own spans. `npm run bench` with BENCH_SPANS=<file> appends every OTLP/JSON export
// body the sink receives to <file>, one per line (sink.ts). For every SERVER span (an API request)
// and CONSUMER span (a BullMQ job), its children in start order: how long each lasted and how long
// the parent waited before it started, then the same inside each child, to `depth` levels (2).
// Means and percentiles over all of them, by path of span names (batched spans included: a group
// commit's per-request span starts when its batch is sent, so the wait before it is the batch ahead).
import { readFileSync } from 'node:fs';

type OtlpSpan = {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
};
type Span = { id: string; parent: string; name: string; kind: number; start: number; end: number };
type Export = { resourceSpans?: { scopeSpans?: { spans?: OtlpSpan[] }[] }[] };

const SERVER = 2;
const CONSUMER = 5;

/** The spans of every export body in the file (one JSON document per line), times in ms. */
export function readSpans(text: string): Span[] {
  const out: Span[] = [];
  const ms = (ns: string) => Number(BigInt(ns) / 1000n) / 1000;
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    const body = JSON.parse(line) as Export;
    for (const rs of body.resourceSpans ?? [])
      for (const ss of rs.scopeSpans ?? [])
        for (const s of ss.spans ?? [])
          out.push({
            id: s.spanId,
            parent: s.parentSpanId ?? '',
            name: s.name,
            kind: s.kind,
            start: ms(s.startTimeUnixNano),
            end: ms(s.endTimeUnixNano),
          });
  }
  return out;
}

/** Durations by phase path ("process images > operation image.build > wait before ..."). */
export function phases(spans: Span[], depth = 2): Map<string, number[]> {
  const children = new Map<string, Span[]>();
  for (const s of spans) {
    if (!s.parent) continue;
    const list = children.get(s.parent) ?? [];
    list.push(s);
    children.set(s.parent, list);
  }
  const out = new Map<string, number[]>();
  const add = (k: string, v: number) => {
    const list = out.get(k) ?? [];
    list.push(v);
    out.set(k, list);
  };
  const walk = (s: Span, path: string, level: number) => {
    add(path, s.end - s.start);
    if (level >= depth) return;
    const kids = [...(children.get(s.id) ?? [])].sort((a, b) => a.start - b.start);
    let t = s.start;
    for (const k of kids) {
      // Overlapping children (pipelined statements) wait nothing: a negative wait is none.
      add(`${path} > wait before ${k.name}`, Math.max(0, k.start - t));
      walk(k, `${path} > ${k.name}`, level + 1);
      t = Math.max(t, k.end);
    }
    if (kids.length) add(`${path} > wait to the end`, Math.max(0, s.end - t));
  };
  for (const s of spans) if (s.kind === SERVER || s.kind === CONSUMER) walk(s, s.name, 0);
  return out;
}

export function report(byPhase: Map<string, number[]>): string {
  const q = (sorted: number[], p: number) => sorted[Math.floor(p * (sorted.length - 1))] ?? 0;
  const rows = [...byPhase].map(([k, v]) => {
    const sorted = [...v].sort((a, b) => a - b);
    const mean = v.reduce((a, b) => a + b, 0) / v.length;
    return { k, n: v.length, mean, p50: q(sorted, 0.5), p90: q(sorted, 0.9) };
  });
  rows.sort((a, b) => (a.k < b.k ? -1 : a.k > b.k ? 1 : 0));
  const width = Math.max(...rows.map((r) => r.k.length), 5);
  const lines = [`${'phase'.padEnd(width)}      n   mean ms    p50 ms    p90 ms`];
  for (const r of rows)
    lines.push(
      `${r.k.padEnd(width)} ${String(r.n).padStart(6)} ${r.mean.toFixed(2).padStart(9)} ${r.p50.toFixed(2).padStart(9)} ${r.p90.toFixed(2).padStart(9)}`,
    );
  return lines.join('\n');
}

if (import.meta.main) {
  const [file, depth] = process.argv.slice(2);
  if (!file) {
    console.error('usage: node bench/stack/span-phases.ts <spans.jsonl> [depth]');
    process.exit(2);
  }
  console.log(report(phases(readSpans(readFileSync(file, 'utf8')), depth ? Number(depth) : 2)));
}
