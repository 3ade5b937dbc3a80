import { describe, expect, it } from 'vitest';
import { cluster, container, pod, workload } from '../test-snapshots.ts';
import { analyzeCluster, mergeRecommendations, resolveAnalysisType } from './analyze-cluster.ts';

// backend runs hot against its CPU limit; frontend requests far more memory than it uses.
const busy = () =>
  cluster([
    {
      name: 'backend',
      snapshot: workload({
        pods: [
          pod('backend-1', {
            cpuMillicores: 900,
            cpuLimitMillicores: 1000,
            cpuRequestMillicores: 800,
            memoryMiB: 200,
          }),
          pod('backend-2', {
            cpuMillicores: 850,
            cpuLimitMillicores: 1000,
            cpuRequestMillicores: 800,
            memoryMiB: 210,
          }),
        ],
      }),
    },
    {
      name: 'frontend',
      snapshot: workload({
        pods: [
          pod('frontend-1', {
            cpuMillicores: 150,
            memoryMiB: 50,
            memoryRequestMiB: 512,
            memoryLimitMiB: 1024,
          }),
        ],
      }),
    },
  ]);

describe('analyzeCluster', () => {
  it('resource-optimization: contract utilization strings and limit/request recommendations', () => {
    const r = analyzeCluster({ snapshot: busy(), analysisType: 'resource-optimization' });
    expect(r.analysis_type).toBe('resource-optimization');
    // (900 + 850 + 150) / 4000 = 47.5% -> 48%; (200 + 210 + 50) / 8192 = 5.6% -> 6%
    expect(r.resource_utilization).toEqual({ cpu: '48%', memory: '6%' });
    expect(r.recommendations).toEqual([
      'Increase CPU limits for backend deployment (using 1750m of 2000m, 88%)',
      'Reduce memory requests for frontend (using 50Mi of 512Mi requested, 10%)',
    ]);
    expect(r.findings).toEqual([]);
    expect(r.summary).toBe(
      'No failing workloads among 2 workloads (usage warnings: backend). Cluster uses 48% of 4000m CPU and 6% of 8192Mi memory; 2 workloads; under-provisioned: backend; over-provisioned: frontend.',
    );
    expect(r.failing_workloads).toEqual([]);
    expect(r.evidence).toContainEqual({
      kind: 'usage',
      source: 'backend',
      detail: 'cpu: 1750m used, 1600m requested, 2000m limit over 2 running pods',
    });
    expect(r.evidence).toContainEqual({
      kind: 'usage',
      source: 'minikube',
      detail: 'node capacity 4000m CPU, 8192Mi memory',
    });
    expect(r.utilization.workloads.map((w) => [w.name, w.cpu.provisioning, w.memory.provisioning])).toEqual([
      ['backend', 'under-provisioned', 'balanced'],
      ['frontend', 'balanced', 'over-provisioned'],
    ]);
  });

  it('never invents usage: unknown plus a metrics-server recommendation', () => {
    const snapshot = cluster([
      { name: 'api', snapshot: workload({ pods: [pod('api-1', { cpuMillicores: null, memoryMiB: null })] }) },
    ]);
    const r = analyzeCluster({ snapshot, analysisType: 'resource-optimization' });
    expect(r.resource_utilization).toEqual({ cpu: 'unknown', memory: 'unknown' });
    expect(r.recommendations).toEqual([
      'Enable metrics-server (minikube addons enable metrics-server): 1 running pod report no usage metrics',
    ]);
  });

  it('recommends setting requests and memory limits when absent, and warns on cluster pressure', () => {
    const snapshot = cluster(
      [
        {
          name: 'api',
          snapshot: workload({
            pods: [
              pod('api-1', {
                cpuMillicores: 1800,
                cpuRequestMillicores: null,
                memoryLimitMiB: null,
                cpuLimitMillicores: null,
              }),
            ],
          }),
        },
      ],
      [{ name: 'minikube', cpuMillicores: 2000, memoryMiB: 4096 }],
    );
    const r = analyzeCluster({ snapshot, analysisType: 'resource-optimization' });
    expect(r.recommendations).toEqual([
      'Set CPU requests for api so the scheduler reserves capacity for it',
      'Set a memory limit for api so one leak cannot exhaust the node',
      'Cluster CPU usage is at 90% of node capacity: add CPUs (minikube start --cpus) or reduce replicas',
    ]);
  });

  it('health: per-workload findings tagged with the workload, recommendations prefixed', () => {
    const snapshot = cluster([
      { name: 'backend', snapshot: workload() },
      {
        name: 'frontend',
        snapshot: workload({
          deployment: { phase: 'progressing', desiredReplicas: 1, availableReplicas: 0 },
          pods: [
            pod('frontend-1', {
              ready: false,
              containers: [
                container({ ready: false, state: 'waiting', reason: 'CrashLoopBackOff', exitCode: 1 }),
              ],
            }),
          ],
        }),
      },
    ]);
    const r = analyzeCluster({ snapshot, analysisType: 'health' });
    expect(r.analysis_type).toBe('health');
    expect(r.findings[0]).toMatchObject({ rule: 'crash-loop-backoff', workload: 'frontend' });
    expect(r.findings.find((f) => f.workload === 'backend')?.rule).toBe('healthy');
    expect(r.recommendations[0]).toBe(
      'frontend: Check application logs for specific error messages (kubectl logs --previous)',
    );
    expect(r.summary).toBe(
      '1 of 2 workloads failing: frontend: Pod frontend-1 is in CrashLoopBackOff due to an application error (exit code 1).',
    );
    expect(r.failing_workloads).toEqual([
      {
        name: 'frontend',
        root_cause: 'Pod frontend-1 is in CrashLoopBackOff due to an application error (exit code 1)',
      },
    ]);
    // The crash-looping pod's container is waiting: it consumes nothing and is not counted.
    expect(r.resource_utilization).toEqual({ cpu: '5%', memory: '3%' });
  });

  it('a crash-looping pod without metrics does not make utilization unknown', () => {
    const snapshot = cluster([
      { name: 'backend', snapshot: workload() },
      {
        name: 'crashy',
        snapshot: workload({
          pods: [
            pod('crashy-1', {
              ready: false,
              cpuMillicores: null,
              memoryMiB: null,
              containers: [
                container({ ready: false, state: 'waiting', reason: 'CrashLoopBackOff', exitCode: 1 }),
              ],
            }),
          ],
        }),
      },
    ]);
    const r = analyzeCluster({ snapshot, analysisType: 'resource-optimization' });
    expect(r.resource_utilization).toEqual({ cpu: '5%', memory: '3%' });
  });

  it('falls back to a general analysis (health + resources + security) for any other type', () => {
    expect(resolveAnalysisType('security')).toBe('security');
    expect(resolveAnalysisType(undefined)).toBe('general');
    const r = analyzeCluster({ snapshot: busy(), analysisType: 'cost' });
    expect(r.analysis_type).toBe('general');
    expect(
      r.summary.startsWith(
        'No failing workloads among 2 workloads (usage warnings: backend). Cluster uses 48%',
      ),
    ).toBe(true);
    expect(r.recommendations).toContain(
      'Increase CPU limits for backend deployment (using 1750m of 2000m, 88%)',
    );
  });

  it('says so when nothing needs changing', () => {
    const r = analyzeCluster({
      snapshot: cluster([{ name: 'api', snapshot: workload() }]),
      analysisType: 'resource-optimization',
    });
    expect(r.recommendations).toEqual([
      'No changes recommended: workload usage is between 30% of requests and 80% of limits',
    ]);
  });
});

describe('mergeRecommendations and security analysis', () => {
  it('says the same advice once for every workload it applies to', () => {
    expect(
      mergeRecommendations([
        { workload: 'api', text: 'Set a memory limit for api so one leak cannot exhaust the node' },
        { workload: 'web', text: 'Set a memory limit for web so one leak cannot exhaust the node' },
        { workload: 'api', text: 'Check application logs' },
        { workload: 'web', text: 'Check application logs' },
        { text: 'Enable metrics-server' },
      ]),
    ).toEqual([
      'Set a memory limit for api, web so one leak cannot exhaust the node',
      'api, web: Check application logs',
      'Enable metrics-server',
    ]);
  });

  it('security: unpinned images, missing limits and exposed services, failing workloads still first', () => {
    const snapshot = cluster([
      {
        name: 'api',
        snapshot: workload({ image: 'todo/api:latest', pods: [pod('api-1', { memoryLimitMiB: null })] }),
      },
      {
        name: 'web',
        snapshot: workload({
          image: 'todo/web:1.2.0',
          services: [
            {
              name: 'web',
              type: 'LoadBalancer',
              selector: { a: 'b' },
              selectsWorkload: true,
              readyEndpoints: 2,
              notReadyEndpoints: 0,
            },
          ],
        }),
      },
    ]);
    const r = analyzeCluster({ snapshot, analysisType: 'security' });
    expect(r.findings.map((f) => [f.workload, f.rule])).toEqual([
      ['api', 'image-unpinned'],
      ['api', 'no-resource-limits'],
      ['web', 'service-exposed'],
    ]);
    expect(r.recommendations[0]).toBe(
      'Pin the image of api to a version tag or a digest (repository@sha256:...)',
    );
    expect(r.summary).toMatch(/Security: 2 issues .*1 exposed service/);
  });
});
