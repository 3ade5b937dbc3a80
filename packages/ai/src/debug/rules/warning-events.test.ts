import { describe, expect, it } from 'vitest';
import { event, workload } from '../../test-snapshots.ts';
import { debugWorkload } from '../debug-workload.ts';

describe('warning-events catch-all', () => {
  it('surfaces Warning events no other rule explained', () => {
    const snapshot = workload({
      events: [
        event(
          'FailedMount',
          'MountVolume.SetUp failed for volume "certs": secret "tls" not found',
          'pod/api-7d9f-a1',
        ),
        event('Scheduled', 'Successfully assigned default/api-7d9f-a1 to minikube', 'pod/api-7d9f-a1', {
          type: 'Normal',
        }),
      ],
    });
    const report = debugWorkload({ snapshot, name: 'api' });
    expect(report.findings.map((f) => f.rule)).toEqual(['warning-events']);
    expect(report.findings[0]?.message).toBe(
      'Warning event FailedMount on pod/api-7d9f-a1: MountVolume.SetUp failed for volume "certs": secret "tls" not found',
    );
    expect(report.recommendations[0]).toContain('volumes the pod mounts');
  });

  it('does not repeat events another finding already cites', () => {
    const snapshot = workload({
      events: [event('Unhealthy', 'Readiness probe failed: timeout', 'pod/api-7d9f-a1')],
    });
    expect(debugWorkload({ snapshot }).findings.map((f) => f.rule)).toEqual(['readiness-failure']);
  });
});
