import { describe, expect, it } from 'vitest';
import { container, event, pod, workload } from '../../test-snapshots.ts';
import { debugWorkload } from '../debug-workload.ts';

describe('readiness-failure rule', () => {
  it('reports Unhealthy readiness events with the probe error and a port hint', () => {
    const snapshot = workload({
      deployment: { phase: 'progressing', desiredReplicas: 2, availableReplicas: 1 },
      pods: [pod('api-1'), pod('api-2', { ready: false, containers: [container({ ready: false })] })],
      events: [
        event(
          'Unhealthy',
          'Readiness probe failed: Get "http://10.244.0.7:8000/health": dial tcp 10.244.0.7:8000: connect: connection refused',
          'pod/api-2',
        ),
      ],
    });
    const report = debugWorkload({ snapshot, name: 'api', issue: 'pod not ready' });
    const top = report.findings[0];
    expect(top?.rule).toBe('readiness-failure');
    expect(top?.message).toContain(
      'Pod api-2 is not ready: readiness probe failed (Readiness probe failed: Get',
    );
    expect(top?.recommendations[0]).toContain('listens on the probed port');
    expect(top?.evidence.map((e) => e.kind)).toEqual(['pod_status', 'event']);
  });

  it('flags Running-but-not-Ready pods even without events', () => {
    const snapshot = workload({
      pods: [pod('api-1', { ready: false, containers: [container({ ready: false })] })],
      deployment: { phase: 'progressing', desiredReplicas: 1, availableReplicas: 0 },
    });
    const readiness = debugWorkload({ snapshot, name: 'api' }).findings.find(
      (f) => f.rule === 'readiness-failure',
    );
    expect(readiness?.message).toBe('Pod api-1 is Running but not Ready');
  });
});

describe('liveness-failure rule', () => {
  it('reports liveness probe failures as the reason for restarts', () => {
    const snapshot = workload({
      events: [
        event('Unhealthy', 'Liveness probe failed: HTTP probe failed with statuscode: 500', 'pod/api-1'),
      ],
    });
    const f = debugWorkload({ snapshot, name: 'api' }).findings.find((x) => x.rule === 'liveness-failure');
    expect(f?.message).toBe(
      'Liveness probe fails on pod api-1, so the kubelet restarts the container: Liveness probe failed: HTTP probe failed with statuscode: 500',
    );
    expect(f?.recommendations[0]).toContain('returns 5xx');
  });
});

describe('event attribution', () => {
  it('matches the kubernetes driver object format exactly, not by prefix', () => {
    const snapshot = workload({
      pods: [pod('api-1', { ready: false, containers: [container({ ready: false })] }), pod('api-10')],
      deployment: { phase: 'progressing', desiredReplicas: 2, availableReplicas: 1 },
      events: [event('Unhealthy', 'Readiness probe failed: timeout', 'Pod/api-10')],
    });
    const findings = debugWorkload({ snapshot, name: 'api' }).findings.filter(
      (f) => f.rule === 'readiness-failure',
    );
    expect(findings.map((f) => f.message)).toEqual([
      'Pod api-10 is not ready: readiness probe failed (Readiness probe failed: timeout)',
      'Pod api-1 is Running but not Ready',
    ]);
  });
});
