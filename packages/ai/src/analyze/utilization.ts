// Utilization math over a ClusterSnapshot. Only Running pods consume; a pod without metrics makes the
// affected sum unknown instead of silently lowering it (a partial sum would read as a real, too-low number).
import type { ClusterSnapshot, PodSnapshot } from '@slipway/drivers';
import { percentOf, percentString } from '../format.ts';
import type { ClusterUtilization, Provisioning, ResourceUse, WorkloadUtilization } from '../types.ts';

export type UtilizationThresholds = {
  /** Usage at or above this % of the limit is under-provisioned ("increase limits"). */
  nearLimitPercent: number;
  /** Usage below this % of the request is over-provisioned ("reduce requests"). */
  lowUsagePercent: number;
};

export const DEFAULT_UTILIZATION_THRESHOLDS: UtilizationThresholds = {
  nearLimitPercent: 80,
  lowUsagePercent: 30,
};

type Field =
  | 'cpuMillicores'
  | 'memoryMiB'
  | 'cpuRequestMillicores'
  | 'memoryRequestMiB'
  | 'cpuLimitMillicores'
  | 'memoryLimitMiB';

/** Sum of a field over pods; null as soon as one pod lacks it. */
export function sumOrNull(pods: PodSnapshot[], field: Field): number | null {
  let total = 0;
  for (const p of pods) {
    const v = p[field];
    if (v === null) return null;
    total += v;
  }
  return total;
}

export function classify(use: Omit<ResourceUse, 'provisioning'>, t: UtilizationThresholds): Provisioning {
  if (use.usage === null || (use.request === null && use.limit === null)) return 'unknown';
  if (use.usageOfLimit !== null && use.usageOfLimit >= t.nearLimitPercent) return 'under-provisioned';
  if (use.usageOfRequest !== null && use.usageOfRequest > 100) return 'under-provisioned';
  if (use.usageOfRequest !== null && use.usageOfRequest < t.lowUsagePercent) return 'over-provisioned';
  return 'balanced';
}

function resourceUse(
  running: PodSnapshot[],
  resource: 'cpu' | 'memory',
  t: UtilizationThresholds,
): ResourceUse {
  const usage = sumOrNull(running, resource === 'cpu' ? 'cpuMillicores' : 'memoryMiB');
  const request = sumOrNull(running, resource === 'cpu' ? 'cpuRequestMillicores' : 'memoryRequestMiB');
  const limit = sumOrNull(running, resource === 'cpu' ? 'cpuLimitMillicores' : 'memoryLimitMiB');
  const use = {
    usage,
    request,
    limit,
    usageOfRequest: percentOf(usage, request),
    usageOfLimit: percentOf(usage, limit),
  };
  return { ...use, provisioning: classify(use, t) };
}

/**
 * A pod consumes when it is Running with at least one container actually running: a pod whose only
 * container waits in CrashLoopBackOff holds no CPU or memory between restarts (and reports no metrics).
 */
export function isConsuming(p: PodSnapshot): boolean {
  return (
    p.phase === 'Running' && (p.containers.length === 0 || p.containers.some((c) => c.state === 'running'))
  );
}

export function workloadUtilization(
  w: ClusterSnapshot['workloads'][number],
  t: UtilizationThresholds = DEFAULT_UTILIZATION_THRESHOLDS,
): WorkloadUtilization {
  const running = w.pods.filter(isConsuming);
  return {
    name: w.name,
    namespace: w.namespace,
    runningPods: running.length,
    cpu: resourceUse(running, 'cpu', t),
    memory: resourceUse(running, 'memory', t),
  };
}

export function clusterUtilization(
  snapshot: ClusterSnapshot,
  t: UtilizationThresholds = DEFAULT_UTILIZATION_THRESHOLDS,
): ClusterUtilization {
  const capacity = {
    cpuMillicores: snapshot.nodes.reduce((n, node) => n + node.cpuMillicores, 0),
    memoryMiB: snapshot.nodes.reduce((n, node) => n + node.memoryMiB, 0),
  };
  const running = snapshot.workloads.flatMap((w) => w.pods.filter(isConsuming));
  const usage = {
    cpuMillicores: sumOrNull(running, 'cpuMillicores'),
    memoryMiB: sumOrNull(running, 'memoryMiB'),
  };
  // An unset request reserves nothing on the node, so 0 is the true contribution here (unlike usage).
  const requests = {
    cpuMillicores: running.reduce((n, p) => n + (p.cpuRequestMillicores ?? 0), 0),
    memoryMiB: running.reduce((n, p) => n + (p.memoryRequestMiB ?? 0), 0),
  };
  return {
    capacity,
    usage,
    requests,
    podsWithoutMetrics: running.filter((p) => p.cpuMillicores === null || p.memoryMiB === null).length,
    cpu: percentString(usage.cpuMillicores, capacity.cpuMillicores),
    memory: percentString(usage.memoryMiB, capacity.memoryMiB),
    workloads: snapshot.workloads.map((w) => workloadUtilization(w, t)),
  };
}
