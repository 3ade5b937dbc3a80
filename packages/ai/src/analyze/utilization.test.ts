import { describe, expect, it } from 'vitest';
import { cluster, pod, workload } from '../test-snapshots.ts';
import { clusterUtilization, workloadUtilization } from './utilization.ts';

describe('clusterUtilization', () => {
  it('divides summed pod usage by summed node capacity, rounded to an integer percent', () => {
    const snapshot = cluster(
      [
        {
          name: 'backend',
          snapshot: workload({
            pods: [
              pod('b-1', { cpuMillicores: 1000, memoryMiB: 2000 }),
              pod('b-2', { cpuMillicores: 1600, memoryMiB: 1686 }),
            ],
          }),
        },
        // Pending pods consume nothing and need no metrics.
        {
          name: 'worker',
          snapshot: workload({
            pods: [pod('w-1', { phase: 'Pending', cpuMillicores: null, memoryMiB: null })],
          }),
        },
      ],
      [
        { name: 'n1', cpuMillicores: 2000, memoryMiB: 4096 },
        { name: 'n2', cpuMillicores: 2000, memoryMiB: 4096 },
      ],
    );
    const u = clusterUtilization(snapshot);
    expect(u.capacity).toEqual({ cpuMillicores: 4000, memoryMiB: 8192 });
    expect(u.usage).toEqual({ cpuMillicores: 2600, memoryMiB: 3686 });
    expect(u.cpu).toBe('65%');
    expect(u.memory).toBe('45%');
    expect(u.requests).toEqual({ cpuMillicores: 400, memoryMiB: 512 });
    expect(u.podsWithoutMetrics).toBe(0);
  });

  it('says unknown when a running pod has no metrics, rather than a partial number', () => {
    const snapshot = cluster([
      { name: 'api', snapshot: workload({ pods: [pod('a-1'), pod('a-2', { cpuMillicores: null })] }) },
    ]);
    const u = clusterUtilization(snapshot);
    expect(u.cpu).toBe('unknown');
    expect(u.usage.cpuMillicores).toBeNull();
    expect(u.memory).toBe('3%');
    expect(u.podsWithoutMetrics).toBe(1);
  });

  it('says unknown without nodes (no capacity to divide by)', () => {
    const u = clusterUtilization(cluster([], []));
    expect(u.cpu).toBe('unknown');
    expect(u.memory).toBe('unknown');
  });
});

describe('workloadUtilization', () => {
  const w = (pods: ReturnType<typeof pod>[]) => ({
    ...workload({ pods }),
    name: 'api',
    namespace: 'default',
  });

  it('computes usage against requests and limits and classifies provisioning', () => {
    const u = workloadUtilization(
      w([
        pod('a-1', { cpuMillicores: 450, cpuRequestMillicores: 250, cpuLimitMillicores: 500, memoryMiB: 40 }),
        pod('a-2', { cpuMillicores: 430, cpuRequestMillicores: 250, cpuLimitMillicores: 500, memoryMiB: 36 }),
      ]),
    );
    expect(u.runningPods).toBe(2);
    expect(u.cpu).toEqual({
      usage: 880,
      request: 500,
      limit: 1000,
      usageOfRequest: 176,
      usageOfLimit: 88,
      provisioning: 'under-provisioned',
    });
    expect(u.memory).toMatchObject({
      usage: 76,
      request: 512,
      usageOfRequest: 15,
      provisioning: 'over-provisioned',
    });
  });

  it('is unknown without metrics or without requests and limits', () => {
    const u = workloadUtilization(
      w([pod('a-1', { cpuMillicores: null, memoryRequestMiB: null, memoryLimitMiB: null })]),
    );
    expect(u.cpu.provisioning).toBe('unknown');
    expect(u.cpu.usageOfRequest).toBeNull();
    expect(u.memory.provisioning).toBe('unknown');
  });

  it('is balanced between 30% of the request and 80% of the limit', () => {
    expect(workloadUtilization(w([pod('a-1')])).cpu.provisioning).toBe('balanced');
  });
});
