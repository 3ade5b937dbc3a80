// Checks for AI-assisted scaling. Only an out-of-range target is refused; everything else the analyzer can
// see (crashing pods, capacity, load per pod) becomes a warning, because the user may know better.
import type { ClusterSnapshot, PodSnapshot, WorkloadSnapshot } from '@slipway/drivers';
import { runRules } from '../debug/debug-workload.ts';
import { deploymentEvidence } from '../debug/evidence.ts';
import { formatCpu, formatMemory, percentOf, plural } from '../format.ts';
import type { Evidence, Resources } from '../types.ts';

/** Hard bound on replicas; above it a typo (500 instead of 5) would take a local cluster down. */
export const MAX_REPLICAS = 100;

export type ScalePlanInput = {
  current: number;
  target: number;
  /** Deployment name, for messages and to exclude it from `cluster` when counting other workloads. */
  name?: string;
  /** The deployment now: pod requests, crash loops, usage. */
  snapshot?: WorkloadSnapshot;
  /** Total node capacity; derived from `cluster.nodes` when absent. */
  nodeCapacity?: Resources;
  /** Whole cluster: capacity and what the other workloads' Running pods already request. */
  cluster?: ClusterSnapshot;
  /** Requests of one pod when the snapshot has no pods to read them from (e.g. scaling up from 0). */
  podRequests?: { cpuMillicores: number | null; memoryMiB: number | null };
  /** Lower bound than MAX_REPLICAS for this call; never raises it. */
  maxReplicas?: number;
  /** Usage at or above this % of the limit after scaling down triggers a warning. */
  nearLimitPercent?: number;
};

export type ScalePlan = {
  ok: boolean;
  /** Why the plan was refused (ok = false). */
  reason?: string;
  current: number;
  target: number;
  warnings: string[];
  evidence: Evidence[];
};

function perPodRequests(input: ScalePlanInput): { cpu: number | null; memory: number | null } {
  const pods = input.snapshot?.pods ?? [];
  // The largest request seen: pods of one ReplicaSet are identical, across a rollout the newer may be larger.
  const max = (pick: (p: PodSnapshot) => number | null): number | null => {
    const vals = pods.map(pick).filter((v): v is number => v !== null);
    return vals.length > 0 ? Math.max(...vals) : null;
  };
  return {
    cpu: max((p) => p.cpuRequestMillicores) ?? input.podRequests?.cpuMillicores ?? null,
    memory: max((p) => p.memoryRequestMiB) ?? input.podRequests?.memoryMiB ?? null,
  };
}

function capacityWarnings(input: ScalePlanInput, name: string): string[] {
  const capacity =
    input.nodeCapacity ??
    (input.cluster && input.cluster.nodes.length > 0
      ? {
          cpuMillicores: input.cluster.nodes.reduce((n, x) => n + x.cpuMillicores, 0),
          memoryMiB: input.cluster.nodes.reduce((n, x) => n + x.memoryMiB, 0),
        }
      : null);
  if (!capacity) return [];
  const others = (input.cluster?.workloads ?? [])
    .filter((w) => w.name !== input.name)
    .flatMap((w) => w.pods.filter((p) => p.phase === 'Running'));
  const req = perPodRequests(input);
  if (req.cpu === null && req.memory === null) {
    return [
      `Pod requests of ${name} are not set; cannot check that ${input.target} replicas fit the node capacity`,
    ];
  }
  const warnings: string[] = [];
  const check = (
    label: string,
    perPod: number | null,
    cap: number,
    reserved: number,
    fmt: (n: number) => string,
  ) => {
    if (perPod === null || perPod <= 0) return;
    const needed = perPod * input.target;
    if (needed + reserved <= cap) return;
    const fit = Math.max(0, Math.floor((cap - reserved) / perPod));
    const withOthers = reserved > 0 ? ` plus ${fmt(reserved)} requested by other workloads` : '';
    warnings.push(
      `${input.target} replicas of ${name} request ${fmt(needed)} ${label}${withOthers}, more than the ${fmt(cap)} node capacity: only about ${plural(fit, 'replica')} can be scheduled, the rest will stay Pending`,
    );
  };
  check(
    'CPU',
    req.cpu,
    capacity.cpuMillicores,
    others.reduce((n, p) => n + (p.cpuRequestMillicores ?? 0), 0),
    formatCpu,
  );
  check(
    'memory',
    req.memory,
    capacity.memoryMiB,
    others.reduce((n, p) => n + (p.memoryRequestMiB ?? 0), 0),
    formatMemory,
  );
  return warnings;
}

/** Scaling down concentrates today's load on fewer pods; warn when each would sit near its limit. */
function loadWarnings(input: ScalePlanInput, name: string, threshold: number): string[] {
  const running = (input.snapshot?.pods ?? []).filter((p) => p.phase === 'Running');
  if (input.target <= 0 || running.length === 0 || input.target >= running.length) return [];
  const warnings: string[] = [];
  const resources = [
    {
      label: 'CPU',
      use: (p: PodSnapshot) => p.cpuMillicores,
      limit: (p: PodSnapshot) => p.cpuLimitMillicores,
    },
    { label: 'memory', use: (p: PodSnapshot) => p.memoryMiB, limit: (p: PodSnapshot) => p.memoryLimitMiB },
  ];
  for (const r of resources) {
    if (running.some((p) => r.use(p) === null || r.limit(p) === null)) continue;
    const total = running.reduce((n, p) => n + (r.use(p) ?? 0), 0);
    const limit = Math.min(...running.map((p) => r.limit(p) ?? 0));
    const percent = percentOf(total / input.target, limit);
    if (percent !== null && percent >= threshold) {
      warnings.push(
        `At today's load each of the ${input.target} remaining pods of ${name} would use about ${percent}% of its ${r.label} limit`,
      );
    }
  }
  return warnings;
}

export function planScale(input: ScalePlanInput): ScalePlan {
  const max = Math.min(input.maxReplicas ?? MAX_REPLICAS, MAX_REPLICAS);
  const name = input.name ?? 'the deployment';
  const base = { current: input.current, target: input.target, warnings: [], evidence: [] };
  if (!Number.isInteger(input.target) || input.target < 0 || input.target > max) {
    return {
      ...base,
      ok: false,
      reason: `target_replicas must be an integer between 0 and ${max} (got ${input.target})`,
    };
  }
  const warnings: string[] = [];
  const evidence: Evidence[] = [];
  if (input.target === input.current) {
    warnings.push(`${name} already has ${plural(input.current, 'replica')}; nothing changes`);
  }
  if (input.target === 0)
    warnings.push(`Scaling ${name} to 0 stops every pod; it serves no traffic until scaled up`);

  if (input.snapshot) {
    evidence.push(deploymentEvidence(name, input.snapshot));
    if (input.snapshot.deployment.phase === 'absent') {
      warnings.push(
        `Deployment ${name} does not exist in the cluster; the new replica count applies once it is created`,
      );
    }
    if (input.target > input.current) {
      // New pods of a broken template fail the same way; scaling up multiplies the failure, it does not fix it.
      const blocking = runRules({ snapshot: input.snapshot, name }).filter(
        (f) =>
          f.severity === 'error' &&
          ['crash-loop-backoff', 'image-pull', 'create-container-config', 'pending-unschedulable'].includes(
            f.rule,
          ),
      );
      for (const f of blocking) {
        warnings.push(`Scaling up will not help, new pods will fail the same way: ${f.message}`);
        evidence.push(...f.evidence);
      }
    }
  }
  if (input.target > input.current) warnings.push(...capacityWarnings(input, name));
  warnings.push(...loadWarnings(input, name, input.nearLimitPercent ?? 80));
  return { ...base, ok: true, warnings, evidence };
}
