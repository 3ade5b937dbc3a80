import { describe, expect, it } from 'vitest';
import { container, event, pod, workload } from '../test-snapshots.ts';
import { debugWorkload } from './debug-workload.ts';
import { issueWords, rankFindings } from './relevance.ts';

// Crash loop (missing env) in one pod, a hot-memory pod, and a readiness failure: three competing findings.
const mixed = () =>
  workload({
    deployment: { phase: 'progressing', desiredReplicas: 3, availableReplicas: 1 },
    pods: [
      pod('api-1', {
        ready: false,
        containers: [
          container({
            ready: false,
            state: 'waiting',
            reason: 'CrashLoopBackOff',
            exitCode: 1,
            restartCount: 4,
          }),
        ],
      }),
      pod('api-2', { memoryMiB: 450, memoryLimitMiB: 512 }),
      pod('api-3', { ready: false, containers: [container({ ready: false })] }),
    ],
    events: [
      event('Unhealthy', 'Readiness probe failed: HTTP probe failed with statuscode: 503', 'pod/api-3'),
    ],
    logs: ['ValueError: environment variable OPENAI_API_KEY is not set'],
  });

describe('debugWorkload', () => {
  it('matches the contract example: "pod not ready" leads with the crash loop cause', () => {
    const report = debugWorkload({ snapshot: mixed(), name: 'api', issue: 'pod not ready' });
    // Causes first (the issue reorders among them), the replica shortfall last: it is their symptom.
    expect(report.findings.map((f) => f.rule)).toEqual([
      'crash-loop-backoff',
      'readiness-failure',
      'memory-near-limit',
      'replicas-mismatch',
    ]);
    expect(report.analysis).toMatch(
      /^Pod api-1 is in CrashLoopBackOff due to missing environment variables \(OPENAI_API_KEY\)\. Because of this: Only 1\/3 replicas of api are available\. Also: /,
    );
    expect(report.root_cause).toMatchObject({ rule: 'crash-loop-backoff', cause: 'missing-env' });
    expect(report.findings.find((f) => f.rule === 'replicas-mismatch')?.causedBy).toBe(
      report.root_cause?.message,
    );
    expect(report.recommendations[0]).toBe(
      'Add missing environment variables to deployment configuration (OPENAI_API_KEY)',
    );
  });

  it('lets the issue steer order without adding or dropping findings', () => {
    const plain = debugWorkload({ snapshot: mixed(), name: 'api' });
    const memory = debugWorkload({ snapshot: mixed(), name: 'api', issue: 'high memory usage' });
    expect(memory.findings[0]?.rule).toBe('memory-near-limit');
    expect(memory.analysis.startsWith('Pod api-2 uses 88% of the 512Mi memory limit')).toBe(true);
    expect(new Set(memory.findings.map((f) => f.rule))).toEqual(new Set(plain.findings.map((f) => f.rule)));
    expect(plain.findings[0]?.rule).toBe('crash-loop-backoff');
  });

  it('says when nothing matches the issue and falls back to severity order', () => {
    const report = debugWorkload({ snapshot: mixed(), name: 'api', issue: 'dns lookup' });
    expect(report.findings[0]?.rule).toBe('crash-loop-backoff');
    expect(report.analysis).toContain('Nothing in the cluster state matches "dns lookup" directly');
  });

  it('returns the union of evidence without duplicates, in finding order', () => {
    const report = debugWorkload({ snapshot: mixed(), name: 'api', issue: 'pod not ready' });
    const keys = report.evidence.map((e) => `${e.kind}|${e.source}|${e.detail}`);
    expect(new Set(keys).size).toBe(keys.length);
    expect(report.evidence[0]).toEqual(
      expect.objectContaining({ kind: 'container_state', source: 'api-1/app' }),
    );
    for (const f of report.findings) for (const e of f.evidence) expect(report.evidence).toContainEqual(e);
  });

  it('is deterministic', () => {
    const a = debugWorkload({ snapshot: mixed(), name: 'api', issue: 'not ready' });
    const b = debugWorkload({ snapshot: mixed(), name: 'api', issue: 'not ready' });
    expect(a).toEqual(b);
  });
});

describe('relevance', () => {
  it('drops stopwords from the issue', () => {
    expect(issueWords("My pod isn't ready and the app keeps crashing")).toEqual(['ready', 'crashing']);
  });

  it('ranks by relevance, then severity', () => {
    const ranked = rankFindings(
      [
        { rule: 'cpu-near-limit', severity: 'warning', message: 'cpu', recommendations: [], evidence: [] },
        { rule: 'image-pull', severity: 'error', message: 'pull', recommendations: [], evidence: [] },
      ],
      'cpu throttling',
    );
    expect(ranked.map((f) => f.rule)).toEqual(['cpu-near-limit', 'image-pull']);
    expect(rankFindings(ranked).map((f) => f.rule)).toEqual(['image-pull', 'cpu-near-limit']);
  });
});
