// The Grafana dashboard only queries metrics the processes really expose.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { HttpMetrics, WorkerMetrics } from '@slipway/telemetry';
import { describe, expect, it } from 'vitest';

type Panel = { type: string; title: string; targets?: { expr: string }[] };
const dashboard = JSON.parse(readFileSync(join(import.meta.dirname, 'slipway.json'), 'utf8')) as {
  uid: string;
  panels: Panel[];
};

describe('deploy/grafana/slipway.json', () => {
  it('every metric a panel queries is exposed by the API or a worker', async () => {
    const api = new HttpMetrics();
    api.record('GET', '/x', 500, 1);
    const worker = new WorkerMetrics({
      queues: [{ name: 'images', getJobCounts: async () => ({ waiting: 1 }) }],
    });
    worker.observeOperation('image.build', 'succeeded', 1);
    const exposed = `${api.prometheus()}\n${await worker.metrics()}`;
    const names = new Set([...exposed.matchAll(/^([a-z_:][a-z0-9_:]*)(?:\{| )/gm)].map((m) => m[1]));
    const exprs = dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr));
    expect(exprs.length).toBeGreaterThan(10);
    for (const e of exprs) {
      const used = [...e.matchAll(/\b((?:http|slipway|process|nodejs)_[a-z0-9_]+)\b/g)].map((m) => m[1]);
      expect(used.length, e).toBeGreaterThan(0);
      for (const n of used) expect(names.has(n), `${n} in ${e}`).toBe(true);
    }
  });
});
