// Cluster analysis for POST /api/ai/analyze. Resource numbers come only from the snapshot; health findings
// are the debug rules run per workload. Pure: no I/O.

import { splitImageReference, tagOrLatest } from '@slipway/contract/image-reference';
import { runRules } from '../debug/debug-workload.ts';
import { rankFindings } from '../debug/relevance.ts';
import type { Thresholds } from '../debug/rule-context.ts';
import { formatCpu, formatMemory, percentOf, plural, unique, uniqueEvidence } from '../format.ts';
import type {
  AnalysisType,
  AnalyzeInput,
  AnalyzeReport,
  ApiAction,
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
  return requested === 'resource-optimization' || requested === 'health' || requested === 'security'
    ? requested
    : 'general';
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
    runRules(
      {
        snapshot: w,
        name: w.name,
        context: { ...(input.context?.workloads?.[w.name] ?? {}), cluster: input.context?.cluster },
      },
      { thresholds: opts.thresholds },
    ).map((f) => ({ ...f, workload: w.name })),
  );
  return rankFindings(all);
}

const SEVERITY_RANK = { error: 0, warning: 1, info: 2 } as const;

/** Usage warnings are resource advice, not failures; an error (memory at 95%+ of its limit) is one. */
const USAGE_RULES = ['cpu-near-limit', 'memory-near-limit'];

export function isFailing(f: Finding): boolean {
  return f.severity === 'error' || (f.severity === 'warning' && !USAGE_RULES.includes(f.rule));
}

/** Workloads with problems, worst first, each with the message of its root cause. */
export function failingWorkloads(findings: Finding[]): { name: string; root_cause: string }[] {
  const byWorkload = new Map<string, Finding[]>();
  for (const f of findings) {
    if (!isFailing(f) || !f.workload) continue;
    byWorkload.set(f.workload, [...(byWorkload.get(f.workload) ?? []), f]);
  }
  return [...byWorkload.entries()]
    .map(([name, fs]) => {
      const root = rankFindings(fs)[0] as Finding;
      return { name, root, worst: Math.min(...fs.map((f) => SEVERITY_RANK[f.severity])) };
    })
    .sort((a, b) => a.worst - b.worst || SEVERITY_RANK[a.root.severity] - SEVERITY_RANK[b.root.severity])
    .map(({ name, root }) => ({ name, root_cause: root.message }));
}

/**
 * One line per distinct recommendation: the same advice for several workloads is said once, naming them
 * all ("Set a memory limit for api, web ..."), in the order of the first (most severe) occurrence.
 */
export function mergeRecommendations(items: { workload?: string; text: string }[]): string[] {
  const groups = new Map<string, { text: string; workloads: string[] }>();
  for (const { workload, text } of items) {
    const key = workload ? text.split(workload).join('\u0000') : text;
    const g = groups.get(key);
    if (!g) groups.set(key, { text, workloads: workload ? [workload] : [] });
    else if (workload && !g.workloads.includes(workload)) g.workloads.push(workload);
  }
  return unique(
    [...groups.entries()].map(([key, g]) => {
      if (g.workloads.length === 0) return g.text;
      const names = g.workloads.join(', ');
      if (key.includes('\u0000')) return key.split('\u0000').join(names);
      return `${names}: ${g.text}`;
    }),
  );
}

/** Security checks over what the snapshot holds: image pinning, resource limits, service exposure. */
export function securityFindings(input: AnalyzeInput): Finding[] {
  const out: Finding[] = [];
  for (const w of input.snapshot.workloads) {
    const image = w.image ?? w.pods.flatMap((p) => p.containers.map((c) => c.image)).find((i) => !!i);
    if (image) {
      const ref = splitImageReference(image);
      const tag = ref.digest === null ? tagOrLatest(ref) : null;
      if (tag === 'latest') {
        out.push({
          rule: 'image-unpinned',
          severity: 'warning',
          workload: w.name,
          cause: 'latest-tag',
          message: `${w.name} runs "${image}", a moving tag: what runs can change without a deployment change`,
          recommendations: [
            `Pin the image of ${w.name} to a version tag or a digest (repository@sha256:...)`,
          ],
          evidence: [{ kind: 'deployment_status', source: w.name, detail: `image ${image}` }],
        });
      }
    }
    const running = w.pods.filter((p) => p.phase === 'Running');
    const unlimited = running.filter((p) => p.memoryLimitMiB === null || p.cpuLimitMillicores === null);
    if (unlimited.length > 0) {
      out.push({
        rule: 'no-resource-limits',
        severity: 'warning',
        workload: w.name,
        message: `${plural(unlimited.length, 'pod')} of ${w.name} run without CPU or memory limits: one runaway or compromised container can starve the node`,
        recommendations: [`Set CPU and memory limits for ${w.name}`],
        evidence: unlimited.slice(0, 2).map(
          (p): Evidence => ({
            kind: 'usage',
            source: p.name,
            detail: `limits cpu ${p.cpuLimitMillicores ?? 'not set'}, memory ${p.memoryLimitMiB ?? 'not set'}`,
          }),
        ),
      });
    }
    for (const svc of w.services ?? []) {
      if (svc.type !== 'LoadBalancer' && svc.type !== 'NodePort') continue;
      out.push({
        rule: 'service-exposed',
        severity: 'info',
        workload: w.name,
        cause: svc.type,
        message: `Service ${svc.name} exposes ${w.name} outside the cluster (${svc.type})`,
        recommendations: [
          svc.type === 'LoadBalancer'
            ? `Restrict who can reach ${svc.name} (loadBalancerSourceRanges), or keep it ClusterIP behind an authenticated ingress`
            : `Keep ${svc.name} ClusterIP unless node ports must be reachable; firewall the node ports`,
        ],
        evidence: [
          {
            kind: 'service',
            source: svc.name,
            detail: `type ${svc.type}, ${svc.readyEndpoints} ready endpoints`,
          },
        ],
      });
    }
  }
  return out;
}

function healthSummary(findings: Finding[], workloads: number): string {
  const sick = failingWorkloads(findings);
  const warned = unique(
    findings.filter((f) => f.severity === 'warning' && !isFailing(f)).map((f) => f.workload ?? ''),
  ).filter((w) => w && !sick.some((s) => s.name === w));
  const warnings = warned.length ? ` (usage warnings: ${warned.join(', ')})` : '';
  if (sick.length === 0) return `No failing workloads among ${plural(workloads, 'workload')}${warnings}`;
  const detail = sick.map((w) => `${w.name}: ${w.root_cause}`);
  return `${sick.length} of ${plural(workloads, 'workload')} failing: ${detail.join('; ')}${warnings}`;
}

function collectActions(findings: Finding[]): ApiAction[] {
  const seen = new Set<string>();
  const out: ApiAction[] = [];
  for (const f of findings)
    for (const a of f.actions ?? []) {
      const key = `${a.method} ${a.path} ${JSON.stringify(a.body ?? {})}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(a);
    }
  return out;
}

export function analyzeCluster(input: AnalyzeInput, opts: AnalyzeOptions = {}): AnalyzeReport {
  const type = resolveAnalysisType(input.analysisType);
  const t = { ...DEFAULT_UTILIZATION_THRESHOLDS, ...opts.utilization };
  const u = clusterUtilization(input.snapshot, t);
  const wantResources = type === 'resource-optimization' || type === 'general';
  const wantSecurity = type === 'security' || type === 'general';

  // Every type starts from the workloads' health: a failing workload is the first thing to say.
  const health = healthFindings(input, opts);
  const problems = health.filter((f) => f.severity !== 'info');
  const failing = failingWorkloads(health);
  const causes = problems.filter((f) => !f.symptom && isFailing(f));
  // health/general show every problem; the other types only the root causes of failing workloads.
  const shownHealth = type === 'health' || type === 'general' ? problems : causes;
  const security = wantSecurity ? securityFindings(input) : [];
  const findings = [...(type === 'health' || type === 'general' ? health : shownHealth), ...security];

  const healthRecs = [...shownHealth]
    .sort(
      (a, b) =>
        SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] || Number(!!a.symptom) - Number(!!b.symptom),
    )
    .filter((f) => !(f.symptom && f.causedBy))
    .flatMap((f) => f.recommendations.map((text) => ({ workload: f.workload, text })));
  const resourceRecs = wantResources
    ? resourceRecommendations(u, t, opts.clusterPressurePercent).map((text) => ({ text }))
    : [];
  const securityRecs = [...security]
    .sort((a, b) => SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity])
    .flatMap((f) => f.recommendations.map((text) => ({ workload: f.workload, text })));
  let recommendations = mergeRecommendations([...healthRecs, ...securityRecs, ...resourceRecs]);
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

  const summaries: string[] = [healthSummary(health, input.snapshot.workloads.length)];
  if (wantResources) summaries.push(resourceSummary(u));
  if (wantSecurity) {
    const issues = security.filter((f) => f.severity !== 'info').length;
    summaries.push(
      `Security: ${plural(issues, 'issue')} (image pinning, resource limits), ${plural(security.length - issues, 'exposed service')}; pod security contexts are not part of the snapshot`,
    );
  }

  return {
    analysis_type: type,
    resource_utilization: { cpu: u.cpu, memory: u.memory },
    recommendations,
    summary: `${summaries.join('. ')}.`,
    failing_workloads: failing,
    utilization: u,
    findings,
    actions: collectActions([...shownHealth, ...security]),
    evidence: uniqueEvidence([...findings.flatMap((f) => f.evidence), ...usageEvidence]),
  };
}
