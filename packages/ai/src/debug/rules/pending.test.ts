import { describe, expect, it } from 'vitest';
import { container, event, pod, workload } from '../../test-snapshots.ts';
import { debugWorkload } from '../debug-workload.ts';
import { parseFailedScheduling } from './pending.ts';

const pendingPod = (name: string) =>
  pod(name, {
    phase: 'Pending',
    ready: false,
    containers: [],
    cpuMillicores: null,
    memoryMiB: null,
    cpuRequestMillicores: 3000,
  });

describe('pending-unschedulable rule', () => {
  it('reports insufficient cpu from FailedScheduling with the pod request', () => {
    const snapshot = workload({
      deployment: { phase: 'progressing', desiredReplicas: 3, availableReplicas: 2 },
      pods: [pod('api-1'), pod('api-2'), pendingPod('api-3')],
      events: [
        event(
          'FailedScheduling',
          '0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.',
          'pod/api-3',
        ),
      ],
    });
    const report = debugWorkload({ snapshot, name: 'api', issue: 'stuck pending' });
    const top = report.findings[0];
    expect(top?.rule).toBe('pending-unschedulable');
    expect(top?.message).toBe(
      'Pod api-3 is Pending and cannot be scheduled: not enough CPU (FailedScheduling)',
    );
    expect(top?.recommendations[0]).toBe('Lower the CPU request of api (currently 3000m per pod)');
    expect(top?.evidence).toEqual([
      { kind: 'pod_status', source: 'api-3', detail: 'phase Pending, not ready' },
      expect.objectContaining({ kind: 'event', source: 'pod/api-3' }),
    ]);
    expect(report.findings.map((f) => f.rule)).toContain('replicas-mismatch');
  });

  it('falls back to deployment-scoped FailedScheduling events not naming the pod', () => {
    const snapshot = workload({
      pods: [pendingPod('api-3')],
      events: [
        event('FailedScheduling', '0/1 nodes are available: 1 Insufficient memory.', 'replicaset/api-7d9f'),
      ],
    });
    expect(debugWorkload({ snapshot, name: 'api' }).findings[0]?.message).toContain('not enough memory');
  });

  it('leaves image-pull pods to the image rule and reports unexplained Pending as info', () => {
    const snapshot = workload({
      pods: [
        pod('api-1', {
          phase: 'Pending',
          ready: false,
          containers: [container({ ready: false, state: 'waiting', reason: 'ContainerCreating' })],
        }),
      ],
    });
    const findings = debugWorkload({ snapshot, name: 'api' }).findings;
    const pending = findings.find((f) => f.rule === 'pending-unschedulable');
    expect(pending?.severity).toBe('info');
    expect(pending?.message).toContain('containers: ContainerCreating');
  });

  it('parses scheduler blockers', () => {
    expect(
      parseFailedScheduling(
        "0/3 nodes are available: 1 Insufficient memory, 1 node(s) had untolerated taint {x: y}, 1 node(s) didn't match Pod's node affinity/selector.",
      ),
    ).toEqual(['insufficient-memory', 'taint', 'affinity']);
  });
});
