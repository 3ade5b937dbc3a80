import { describe, expect, it } from 'vitest';
import { container, pod, workload } from '../../test-snapshots.ts';
import { debugWorkload } from '../debug-workload.ts';

describe('high-restarts rule', () => {
  it('flags a running container that restarted at least the threshold times', () => {
    const snapshot = workload({
      pods: [pod('api-1', { containers: [container({ restartCount: 12 })] }), pod('api-2')],
    });
    const report = debugWorkload({ snapshot, name: 'api', issue: 'keeps restarting' });
    expect(report.findings[0]).toMatchObject({
      rule: 'high-restarts',
      severity: 'warning',
      message: 'Container app in pod api-1 has restarted 12 times',
    });
    expect(report.findings[0]?.evidence[0]?.detail).toBe('running, 12 restarts, ready');
  });

  it('respects a custom threshold and ignores few restarts', () => {
    const snapshot = workload({ pods: [pod('api-1', { containers: [container({ restartCount: 3 })] })] });
    expect(debugWorkload({ snapshot }).findings.map((f) => f.rule)).toEqual(['healthy']);
    expect(debugWorkload({ snapshot }, { thresholds: { restartCount: 3 } }).findings[0]?.rule).toBe(
      'high-restarts',
    );
  });
});
