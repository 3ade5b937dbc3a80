// Cluster analysis for POST /api/ai/analyze. Resource numbers come only from the snapshot; health findings
// are the debug rules run per workload. Pure: no I/O.
import { runRules } from '../debug/debug-workload.ts';
import { rankFindings } from '../debug/relevance.ts';
import type { Thresholds } from '../debug/rule-context.ts';
import { formatCpu, formatMemory, percentOf, plural, unique, uniqueEvidence } from '../format.ts';
import type {
  AnalysisType,
  AnalyzeInput,
  AnalyzeReport,
  ClusterUtilization,
  Evidence,
  Finding,
  ResourceUse,
  WorkloadUtilization,
} from '../types.ts';
import {
  clusterUtilization,
  DEFAULT_UTILIZATION_THRESHOLDS,
  type UtilizationThresholds,
} from './utilization.ts';

export type AnalyzeOptions = {
  utilization?: Partial<UtilizationThresholds>;
  thresholds?: Partial<Thresholds>;
  /** Cluster-wide usage (or requests) at or above this % of capacity gets a capacity recommendation. */
  clusterPressurePercent?: number;
};

export function resolveAnalysisType(requested: string | undefined): AnalysisType {
  return requested === 'resource-optimization' || requested === 'health' ? requested : 'general';
}

function useEvidence(w: WorkloadUtilization, resource: 'cpu' | 'memory', use: ResourceUse): Evidence {
  const fmt = resource === 'cpu' ? formatCpu : formatMemory;
  const show = (v: number | null, what: string) => (v === null ? `${what} not set` : `${fmt(v)} ${what}`);
  const used = use.usage === null ? 'usage unknown' : `${fmt(use.usage)} used`;
  return {
    kind: 'usage',
    source: w.name,
    detail: `${resource}: ${used}, ${show(use.request, 'requested')}, ${show(use.limit, 'limit')} over ${plural(w.runningPods, 'running pod')}`,
  };
}

function workloadRecommendations(w: WorkloadUtilization, t: UtilizationThresholds): string[] {
  const recs: string[] = [];
  const label = { cpu: 'CPU', memory: 'memory' } as const;
  for (const resource of ['cpu', 'memory'] as const) {
    const use = w[resource];
    const fmt = resource === 'cpu' ? formatCpu : formatMemory;
    if (use.usage === null) continue;
    if (use.usageOfLimit !== null && use.limit !== null && use.usageOfLimit >= t.nearLimitPercent) {
      recs.push(
        `Increase ${label[resource]} limits for ${w.name} deployment (using ${fmt(use.usage)} of ${fmt(use.limit)}, ${use.usageOfLimit}%)`,
      );
    } else if (use.usageOfRequest !== null && use.request !== null && use.usageOfRequest > 100) {
      recs.push(
        `Increase ${label[resource]} requests for ${w.name} to about its usage (using ${fmt(use.usage)}, ${use.usageOfRequest}% of the ${fmt(use.request)} requested)`,
      );
    } else if (
      use.usageOfRequest !== null &&
      use.request !== null &&
      use.usageOfRequest < t.lowUsagePercent
    ) {
      recs.push(
        `Reduce ${label[resource]} requests for ${w.name} (using ${fmt(use.usage)} of ${fmt(use.request)} requested, ${use.usageOfRequest}%)`,
      );
    }
  }
  if (w.runningPods > 0) {
    const unset = (['cpu', 'memory'] as const).filter((r) => w[r].request === null).map((r) => label[r]);
    if (unset.length > 0) {
      recs.push(
        `Set ${unset.join(' and ')} requests for ${w.name} so the scheduler reserves capacity for it`,
      );
    }
    if (w.memory.limit === null)
      recs.push(`Set a memory limit for ${w.name} so one leak cannot exhaust the node`);
  }
  return recs;
}

export function resourceRecommendations(
  u: ClusterUtilization,
  t: UtilizationThresholds = DEFAULT_UTILIZATION_THRESHOLDS,
  pressurePercent = 80,
): string[] {
  const recs = u.workloads.flatMap((w) => workloadRecommendations(w, t));
  const cpuUse = percentOf(u.usage.cpuMillicores, u.capacity.cpuMillicores);
  const memUse = percentOf(u.usage.memoryMiB, u.capacity.memoryMiB);
  if (cpuUse !== null && cpuUse >= pressurePercent) {
    recs.push(
      `Cluster CPU usage is at ${cpuUse}% of node capacity: add CPUs (minikube start --cpus) or reduce replicas`,
    );
  }
  if (memUse !== null && memUse >= pressurePercent) {
    recs.push(
      `Cluster memory usage is at ${memUse}% of node capacity: add memory (minikube start --memory) or reduce replicas`,
    );
  }
  const cpuReq = percentOf(u.requests.cpuMillicores, u.capacity.cpuMillicores);
  const memReq = percentOf(u.requests.memoryMiB, u.capacity.memoryMiB);
  if (cpuReq !== null && cpuReq >= 90) {
    recs.push(`CPU requests reserve ${cpuReq}% of node capacity; new pods may not schedule`);
  }
  if (memReq !== null && memReq >= 90) {
    recs.push(`Memory requests reserve ${memReq}% of node capacity; new pods may not schedule`);
  }
  if (u.podsWithoutMetrics > 0) {
    recs.push(
      `Enable metrics-server (minikube addons enable metrics-server): ${plural(u.podsWithoutMetrics, 'running pod')} report no usage metrics`,
    );
  }
  return recs;
}

function resourceSummary(u: ClusterUtilization): string {
  const over = u.workloads.filter(
    (w) => w.cpu.provisioning === 'over-provisioned' || w.memory.provisioning === 'over-provisioned',
  );
  const under = u.workloads.filter(
    (w) => w.cpu.provisioning === 'under-provisioned' || w.memory.provisioning === 'under-provisioned',
  );
  const parts = [
    `Cluster uses ${u.cpu} of ${formatCpu(u.capacity.cpuMillicores)} CPU and ${u.memory} of ${formatMemory(u.capacity.memoryMiB)} memory`,
    plural(u.workloads.length, 'workload'),
  ];
  if (under.length > 0) parts.push(`under-provisioned: ${under.map((w) => w.name).join(', ')}`);
  if (over.length > 0) parts.push(`over-provisioned: ${over.map((w) => w.name).join(', ')}`);
  return parts.join('; ');
}

function healthFindings(input: AnalyzeInput, opts: AnalyzeOptions): Finding[] {
  const all = input.snapshot.workloads.flatMap((w) =>
    runRules({ snapshot: w, name: w.name }, { thresholds: opts.thresholds }).map((f) => ({
      ...f,
      workload: w.name,
    })),
  );
  return rankFindings(all);
}

function healthSummary(findings: Finding[], workloads: number): string {
  const sick = unique(findings.filter((f) => f.severity !== 'info').map((f) => f.workload ?? ''));
  if (sick.length === 0) return `All ${plural(workloads, 'workload')} healthy`;
  const detail = sick.map((w) => {
    const rules = unique(
      findings.filter((f) => f.workload === w && f.severity !== 'info').map((f) => f.rule),
    );
    return `${w} (${rules.join(', ')})`;
  });
  return `${sick.length} of ${plural(workloads, 'workload')} with problems: ${detail.join(', ')}`;
}

export function analyzeCluster(input: AnalyzeInput, opts: AnalyzeOptions = {}): AnalyzeReport {
  const type = resolveAnalysisType(input.analysisType);
  const t = { ...DEFAULT_UTILIZATION_THRESHOLDS, ...opts.utilization };
  const u = clusterUtilization(input.snapshot, t);
  const wantResources = type !== 'health';
  const wantHealth = type !== 'resource-optimization';

  const findings = wantHealth ? healthFindings(input, opts) : [];
  const problems = findings.filter((f) => f.severity !== 'info');
  const healthRecs = problems.flatMap((f) => f.recommendations.map((r) => `${f.workload}: ${r}`));
  const resourceRecs = wantResources ? resourceRecommendations(u, t, opts.clusterPressurePercent) : [];
  let recommendations = unique([...healthRecs, ...resourceRecs]);
  if (recommendations.length === 0) {
    recommendations = [
      wantResources
        ? `No changes recommended: workload usage is between ${t.lowUsagePercent}% of requests and ${t.nearLimitPercent}% of limits`
        : 'No action needed',
    ];
  }

  const usageEvidence: Evidence[] = wantResources
    ? [
        ...input.snapshot.nodes.map(
          (n): Evidence => ({
            kind: 'usage',
            source: n.name,
            detail: `node capacity ${formatCpu(n.cpuMillicores)} CPU, ${formatMemory(n.memoryMiB)} memory`,
          }),
        ),
        ...u.workloads.flatMap((w) => [useEvidence(w, 'cpu', w.cpu), useEvidence(w, 'memory', w.memory)]),
      ]
    : [];

  const summaries: string[] = [];
  if (wantHealth) summaries.push(healthSummary(findings, input.snapshot.workloads.length));
  if (wantResources) summaries.push(resourceSummary(u));

  return {
    analysis_type: type,
    resource_utilization: { cpu: u.cpu, memory: u.memory },
    recommendations,
    summary: `${summaries.join('. ')}.`,
    utilization: u,
    findings,
    evidence: uniqueEvidence([...findings.flatMap((f) => f.evidence), ...usageEvidence]),
  };
}
