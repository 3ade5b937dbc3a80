import { describe, expect, it } from 'vitest';
import { pod, workload } from '../../test-snapshots.ts';
import { debugWorkload } from '../debug-workload.ts';

describe('cpu/memory near-limit rules', () => {
  it('warns when cpu usage is at or above 80% of the limit', () => {
    const snapshot = workload({
      pods: [pod('api-1', { cpuMillicores: 450, cpuLimitMillicores: 500 }), pod('api-2')],
    });
    const f = debugWorkload({ snapshot, name: 'api', issue: 'slow' }).findings[0];
    expect(f).toMatchObject({
      rule: 'cpu-near-limit',
      severity: 'warning',
      message: 'Pod api-1 uses 90% of the 500m CPU limit; it is likely throttled',
    });
    expect(f?.recommendations[0]).toBe('Increase CPU limits for api deployment');
    expect(f?.evidence).toEqual([{ kind: 'usage', source: 'api-1', detail: 'cpu 450m of 500m limit (90%)' }]);
  });

  it('is an error when memory is at 95% or more of the limit', () => {
    const snapshot = workload({
      pods: [pod('api-1', { memoryMiB: 500, memoryLimitMiB: 512 }), pod('api-2', { memoryMiB: 420 })],
    });
    const f = debugWorkload({ snapshot, name: 'api' }).findings[0];
    expect(f?.rule).toBe('memory-near-limit');
    expect(f?.severity).toBe('error');
    expect(f?.message).toContain('2 pods (api-1 and api-2) use 98% of the 512Mi memory limit (highest)');
  });

  it('stays silent without metrics or limits', () => {
    const snapshot = workload({
      pods: [
        pod('api-1', { cpuMillicores: null, memoryMiB: null }),
        pod('api-2', { cpuLimitMillicores: null }),
      ],
    });
    expect(debugWorkload({ snapshot }).findings.map((f) => f.rule)).toEqual(['healthy']);
  });
});
