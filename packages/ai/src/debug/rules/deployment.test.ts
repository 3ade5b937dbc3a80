import { describe, expect, it } from 'vitest';
import { container, pod, workload } from '../../test-snapshots.ts';
import { debugWorkload } from '../debug-workload.ts';

describe('healthy verdict', () => {
  it('says no problems were found and cites replica counts', () => {
    const report = debugWorkload({ snapshot: workload(), name: 'api' });
    expect(report.findings).toHaveLength(1);
    expect(report.findings[0]?.rule).toBe('healthy');
    expect(report.analysis).toBe(
      'No problems found in api: 2/2 replicas available, 2 pods Running and Ready, 0 restarts, using 200m CPU and 256Mi memory.',
    );
    expect(report.recommendations).toEqual(['No action needed']);
    expect(report.evidence[0]).toEqual({
      kind: 'deployment_status',
      source: 'api',
      detail: 'phase running, 2/2 replicas available',
    });
  });

  it('says when the reported issue is not visible', () => {
    const report = debugWorkload({ snapshot: workload(), name: 'api', issue: 'pod not ready' });
    expect(report.analysis).toContain(
      'The reported issue ("pod not ready") is not visible in the current cluster state.',
    );
  });

  it('omits usage it does not have instead of inventing it', () => {
    const snapshot = workload({ pods: [pod('api-1', { cpuMillicores: null, memoryMiB: null })] });
    snapshot.deployment = { phase: 'running', desiredReplicas: 1, availableReplicas: 1 };
    expect(debugWorkload({ snapshot, name: 'api' }).analysis).toBe(
      'No problems found in api: 1/1 replicas available, 1 pod Running and Ready, 0 restarts.',
    );
  });
});

describe('replicas-mismatch rule', () => {
  it('reports available < desired with the deployment reason', () => {
    const snapshot = workload({
      deployment: {
        phase: 'failed',
        desiredReplicas: 3,
        availableReplicas: 1,
        reason: 'ProgressDeadlineExceeded',
      },
      pods: [pod('api-1')],
    });
    const f = debugWorkload({ snapshot, name: 'api' }).findings.find((x) => x.rule === 'replicas-mismatch');
    expect(f?.severity).toBe('warning');
    expect(f?.message).toBe('Only 1/3 replicas of api are available (ProgressDeadlineExceeded)');
    expect(f?.recommendations[0]).toContain('kubectl describe rs');
    expect(f?.evidence[0]?.kind).toBe('deployment_status');
  });

  it('is an error when no replica is available', () => {
    const snapshot = workload({
      deployment: { phase: 'progressing', desiredReplicas: 2, availableReplicas: 0 },
      pods: [pod('api-1', { ready: false, containers: [container({ ready: false })] })],
    });
    const f = debugWorkload({ snapshot, name: 'api' }).findings.find((x) => x.rule === 'replicas-mismatch');
    expect(f?.severity).toBe('error');
    expect(f?.recommendations[0]).toContain('Fix the pod problems');
  });
});

describe('deployment-absent rule', () => {
  it('reports a deployment missing from the cluster', () => {
    const snapshot = workload({
      deployment: { phase: 'absent', desiredReplicas: 0, availableReplicas: 0 },
      pods: [],
    });
    const report = debugWorkload({ snapshot, name: 'api' });
    expect(report.findings.map((f) => f.rule)).toEqual(['deployment-absent']);
    expect(report.analysis).toBe('Deployment api does not exist in the cluster.');
  });
});
