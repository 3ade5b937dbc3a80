// The AI scenario suite: every broken workload of SCENARIOS, reproduced in the sandbox driver and on the
// wire against the Kubernetes API fixture (read by the real Kubernetes driver), must be diagnosed with
// its expected root cause leading the analysis; healthy workloads must get no findings. Prints
// `ai: N/M diagnosed`.
import { analyzeCluster, type DebugReport, debugWorkload } from '@slipway/ai';
import { SandboxWorkloads } from '@slipway/drivers';
import { afterAll, describe, expect, it } from 'vitest';
import {
  contextFor,
  type Expected,
  fixtureSnapshot,
  HEALTHY,
  running,
  SCENARIOS,
  sandboxSnapshot,
  serviceSpecs,
  specFor,
} from './scenarios.ts';

const results: { id: string; ok: boolean; got: string }[] = [];

function firstSentence(analysis: string): string {
  // The root cause sentence ends at the first ". " that starts the symptoms or the others.
  const cut = analysis.search(/\. (Because of this|Also): /);
  return cut >= 0 ? analysis.slice(0, cut + 1) : analysis;
}

function check(id: string, report: DebugReport, expected: Expected): void {
  const got = `${report.root_cause?.rule ?? 'none'}/${report.root_cause?.cause ?? '-'}: ${firstSentence(report.analysis)}`;
  const ok =
    report.root_cause?.rule === expected.rule &&
    (expected.cause === undefined || report.root_cause?.cause === expected.cause) &&
    expected.says.test(firstSentence(report.analysis));
  results.push({ id, ok, got });
  expect(report.root_cause?.rule, got).toBe(expected.rule);
  if (expected.cause !== undefined) expect(report.root_cause?.cause, got).toBe(expected.cause);
  expect(firstSentence(report.analysis), got).toMatch(expected.says);
  // The lead is a cause, never a symptom, and every symptom names it.
  const lead = report.findings.find((f) => f.severity !== 'info');
  expect(lead?.symptom ?? false, got).toBe(false);
  for (const f of report.findings.filter((x) => x.symptom))
    expect(f.causedBy).toBe(report.root_cause?.message);
  // Grounded: every evidence item names its source, and the recommendations are unique.
  expect(report.evidence.length).toBeGreaterThan(0);
  expect(new Set(report.recommendations).size).toBe(report.recommendations.length);
}

afterAll(() => {
  const ok = results.filter((r) => r.ok).length;
  const missed = results
    .filter((r) => !r.ok || process.env.AI_SCENARIOS_VERBOSE)
    .map((r) => `  ${r.ok ? 'ok' : 'missed'} ${r.id}: ${r.got}`);
  console.log([`ai: ${ok}/${results.length} diagnosed`, ...missed].join('\n'));
});

describe('AI scenarios: sandbox driver', () => {
  for (const s of SCENARIOS) {
    it(`${s.id}: ${s.title}`, async () => {
      const { spec, snapshot } = await sandboxSnapshot(s);
      const report = debugWorkload({
        snapshot,
        name: spec.name,
        issue: s.issue,
        context: contextFor(s, spec),
      });
      check(`sandbox/${s.id}`, report, s.expect);
    });
  }
  for (const h of HEALTHY) {
    it(`${h.id}: a healthy workload gets no findings`, async () => {
      const { spec, snapshot } = await sandboxSnapshot({
        id: h.id,
        sandbox: { image: h.image, services: h.services },
      });
      const report = debugWorkload({ snapshot, name: spec.name, context: contextFor({}, spec) });
      expect(report.findings.map((f) => f.rule)).toEqual(['healthy']);
      expect(report.root_cause).toBeUndefined();
      expect(report.analysis).toMatch(/^No problems found/);
    });
  }
});

describe('AI scenarios: Kubernetes driver against the API fixture', () => {
  for (const s of SCENARIOS) {
    it(`${s.id}: ${s.title}`, async () => {
      const { spec, snapshot, fx } = await fixtureSnapshot(s);
      try {
        const report = debugWorkload({
          snapshot,
          name: spec.name,
          issue: s.issue,
          context: contextFor(s, spec),
        });
        check(`k8s/${s.id}`, report, s.expect);
      } finally {
        await fx.close();
      }
    });
  }
  it('healthy: a deployment with a service that selects it gets no findings', async () => {
    const { spec, snapshot, fx } = await fixtureSnapshot({
      id: 'healthy-k8s',
      sandbox: { image: 'todo/api:1.4.2' },
      fixture: {
        after: (f, sp) => {
          f.createObject('services', sp.namespace, {
            metadata: { name: `${sp.name}-svc`, labels: { 'slipway.dev/deployment-id': sp.id } },
            spec: {
              type: 'ClusterIP',
              selector: { 'slipway.dev/deployment-id': sp.id },
              ports: [{ port: 80 }],
            },
          });
        },
        settled: (sn) => running(sn) && (sn.services?.[0]?.readyEndpoints ?? 0) > 0,
      },
    });
    try {
      expect(snapshot.services?.[0]).toMatchObject({ selectsWorkload: true, readyEndpoints: 2 });
      expect(snapshot.nodes?.[0]).toMatchObject({ name: 'minikube', ready: true });
      const report = debugWorkload({ snapshot, name: spec.name, context: contextFor({}, spec) });
      expect(report.findings.map((f) => f.rule)).toEqual(['healthy']);
    } finally {
      await fx.close();
    }
  });
});

describe('AI analyze over failing workloads', () => {
  it('every analysis type lists the failing workloads first, with merged, ranked recommendations', async () => {
    const images = [
      'todo/a-crash:1',
      'todo/b-oom-kill:1',
      'todo/c-missing-env:1',
      'todo/d-no-such-tag:1',
      'todo/e-cpu-hog:1',
      'todo/f-init-fail:1',
      'todo/g:1.0.0',
      'todo/h:1.0.0',
    ];
    const specs = images.map((img, i) => specFor(`w${i}-${img.split('/')[1]?.split(':')[0]}`, img));
    const sandbox = new SandboxWorkloads({ now: () => Date.parse('2026-12-01T10:00:00Z') });
    const g = specs[6];
    const exposed = g
      ? serviceSpecs(g, ['g-public']).map((svc) => ({ ...svc, type: 'LoadBalancer' as const }))
      : [];
    const snapshot = await sandbox.clusterSnapshot(
      { clusterId: 'c', name: 'local-dev', context: 'local-dev' },
      specs,
      exposed,
    );
    for (const type of ['resource-optimization', 'health', 'security']) {
      const r = analyzeCluster({ snapshot, analysisType: type });
      expect(r.analysis_type).toBe(type);
      expect(r.failing_workloads.map((w) => w.name)).toHaveLength(6);
      expect(r.summary).toMatch(/^6 of 8 workloads failing: /);
      expect(new Set(r.recommendations).size).toBe(r.recommendations.length);
      // The first recommendation is about a failing workload's root cause, not resource tuning.
      const failingNames = r.failing_workloads.map((w) => w.name);
      expect(
        failingNames.some(
          (n) => r.recommendations[0]?.includes(n) || r.recommendations[0]?.startsWith(`${n}:`),
        ),
        r.recommendations[0],
      ).toBe(true);
    }
    const ro = analyzeCluster({ snapshot, analysisType: 'resource-optimization' });
    // One "Set ... " line for all workloads that share it, not one per workload.
    const perWorkload = ro.recommendations.filter((r) => /^Set a memory limit/.test(r));
    expect(perWorkload.length).toBeLessThanOrEqual(1);
    // The services recorded for a workload reach the cluster snapshot (security sees the exposure).
    const sec = analyzeCluster({ snapshot, analysisType: 'security' });
    expect(sec.findings.filter((f) => f.rule === 'service-exposed').map((f) => f.message)).toEqual([
      expect.stringMatching(/^Service g-public exposes w6-g outside the cluster \(LoadBalancer\)$/),
    ]);
  });
});
