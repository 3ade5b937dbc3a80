import { describe, expect, it } from 'vitest';
import { cluster, container, pod, workload } from '../test-snapshots.ts';
import { planScale } from './plan-scale.ts';

describe('planScale bounds', () => {
  it.each([-1, 101, 2.5, Number.NaN])('refuses target %s', (target) => {
    const plan = planScale({ current: 2, target });
    expect(plan.ok).toBe(false);
    expect(plan.reason).toBe(`target_replicas must be an integer between 0 and 100 (got ${target})`);
  });

  it('accepts 0 and 100, warning about 0', () => {
    expect(planScale({ current: 2, target: 100 })).toEqual({
      ok: true,
      current: 2,
      target: 100,
      warnings: [],
      evidence: [],
    });
    const zero = planScale({ current: 2, target: 0, name: 'api' });
    expect(zero.ok).toBe(true);
    expect(zero.warnings).toEqual(['Scaling api to 0 stops every pod; it serves no traffic until scaled up']);
  });

  it('never lets maxReplicas raise the hard bound', () => {
    expect(planScale({ current: 1, target: 150, maxReplicas: 500 }).ok).toBe(false);
    expect(planScale({ current: 1, target: 20, maxReplicas: 10 }).reason).toContain('between 0 and 10');
  });

  it('notes a no-op', () => {
    expect(planScale({ current: 3, target: 3, name: 'api' }).warnings).toEqual([
      'api already has 3 replicas; nothing changes',
    ]);
  });
});

describe('planScale warnings', () => {
  it('warns, but does not refuse, scaling up a CrashLoopBackOff deployment', () => {
    const snapshot = workload({
      pods: [
        pod('api-1', {
          ready: false,
          containers: [
            container({ ready: false, state: 'waiting', reason: 'CrashLoopBackOff', exitCode: 1 }),
          ],
        }),
      ],
    });
    const plan = planScale({ current: 1, target: 4, name: 'api', snapshot });
    expect(plan.ok).toBe(true);
    expect(plan.warnings).toEqual([
      'Scaling up will not help, new pods will fail the same way: Pod api-1 is in CrashLoopBackOff due to an application error (exit code 1)',
    ]);
    expect(plan.evidence.map((e) => e.kind)).toEqual(['deployment_status', 'container_state']);
  });

  it('warns when the requested pods exceed node capacity, counting other workloads', () => {
    const snapshot = workload({ pods: [pod('api-1', { cpuRequestMillicores: 500, memoryRequestMiB: 256 })] });
    const whole = cluster(
      [
        { name: 'api', snapshot },
        {
          name: 'db',
          snapshot: workload({ pods: [pod('db-1', { cpuRequestMillicores: 1000, memoryRequestMiB: 1024 })] }),
        },
      ],
      [{ name: 'minikube', cpuMillicores: 4000, memoryMiB: 8192 }],
    );
    const plan = planScale({ current: 1, target: 8, name: 'api', snapshot, cluster: whole });
    expect(plan.ok).toBe(true);
    expect(plan.warnings).toEqual([
      '8 replicas of api request 4000m CPU plus 1000m requested by other workloads, more than the 4000m node capacity: only about 6 replicas can be scheduled, the rest will stay Pending',
    ]);
  });

  it('uses explicit nodeCapacity and podRequests when there is no snapshot', () => {
    const plan = planScale({
      current: 0,
      target: 3,
      name: 'api',
      nodeCapacity: { cpuMillicores: 2000, memoryMiB: 1024 },
      podRequests: { cpuMillicores: 250, memoryMiB: 512 },
    });
    expect(plan.warnings).toEqual([
      '3 replicas of api request 1536Mi memory, more than the 1024Mi node capacity: only about 2 replicas can be scheduled, the rest will stay Pending',
    ]);
  });

  it('says when requests are unknown instead of assuming they fit', () => {
    const plan = planScale({
      current: 1,
      target: 3,
      name: 'api',
      nodeCapacity: { cpuMillicores: 2000, memoryMiB: 2048 },
    });
    expect(plan.warnings).toEqual([
      'Pod requests of api are not set; cannot check that 3 replicas fit the node capacity',
    ]);
  });

  it('warns when scaling down would push the remaining pods near their limits', () => {
    const snapshot = workload({
      pods: [
        pod('api-1', { cpuMillicores: 300, cpuLimitMillicores: 500 }),
        pod('api-2', { cpuMillicores: 300, cpuLimitMillicores: 500 }),
      ],
    });
    const plan = planScale({ current: 2, target: 1, name: 'api', snapshot });
    expect(plan.warnings).toEqual([
      "At today's load each of the 1 remaining pods of api would use about 120% of its CPU limit",
    ]);
  });
});
