// Pure readers of cluster objects: what a deployment, service or pod *is*, decided from what the cluster
// reports, never from what was last asked of it.
import type {
  CoreV1Event,
  V1ContainerStatus,
  V1Deployment,
  V1Endpoints,
  V1Node,
  V1PersistentVolumeClaim,
  V1Pod,
  V1Service,
} from '@kubernetes/client-node';
import type {
  ClusterSnapshot,
  Condition,
  ContainerStatus,
  DeploymentObservation,
  K8sEvent,
  NodeSnapshot,
  PodSnapshot,
  PvcSnapshot,
  ServiceObservation,
  ServiceSnapshot,
  TerminationInfo,
} from '../types.ts';

/**
 * Waiting reasons that do not fix themselves: the rollout is failed, not slow. ErrImagePull is left out on
 * purpose: it is the first, possibly transient, pull failure, and turns into ImagePullBackOff if it persists.
 */
export const FAILING_WAITING_REASONS: readonly string[] = [
  'CrashLoopBackOff',
  'ImagePullBackOff',
  'CreateContainerConfigError',
  'CreateContainerError',
  'InvalidImageName',
  'ErrImageNeverPull',
  'RunContainerError',
];

/**
 * running: observedGeneration >= generation and updated = desired = available replicas (and no surplus
 * old pods). failed: ProgressDeadlineExceeded, or a pod stuck in a failing waiting reason. Otherwise
 * progressing. `availableReplicas` always mirrors the cluster.
 */
export function deploymentObservation(
  deployment: V1Deployment | null | undefined,
  pods: V1Pod[],
): DeploymentObservation {
  if (!deployment)
    return { phase: 'absent', desiredReplicas: 0, availableReplicas: 0, reason: 'deployment not found' };
  const desired = deployment.spec?.replicas ?? 1;
  const status = deployment.status ?? {};
  const available = status.availableReplicas ?? 0;
  const updated = status.updatedReplicas ?? 0;
  const total = status.replicas ?? 0;
  const generation = deployment.metadata?.generation ?? 0;
  const observed = status.observedGeneration ?? -1;
  const base = { desiredReplicas: desired, availableReplicas: available };
  if (deployment.metadata?.deletionTimestamp)
    return { phase: 'progressing', ...base, reason: 'deployment is being deleted' };
  if (observed >= generation && updated === desired && available === desired && total === desired) {
    return { phase: 'running', ...base };
  }
  const progressing = status.conditions?.find((c) => c.type === 'Progressing');
  if (progressing?.status === 'False' && progressing.reason === 'ProgressDeadlineExceeded') {
    return {
      phase: 'failed',
      ...base,
      reason: `ProgressDeadlineExceeded: ${progressing.message ?? 'rollout timed out'}`,
    };
  }
  for (const pod of pods) {
    if (pod.metadata?.deletionTimestamp) continue;
    for (const c of [
      ...(pod.status?.initContainerStatuses ?? []),
      ...(pod.status?.containerStatuses ?? []),
    ]) {
      const waiting = c.state?.waiting;
      if (waiting?.reason && FAILING_WAITING_REASONS.includes(waiting.reason)) {
        const msg = waiting.message ? `: ${waiting.message}` : '';
        return {
          phase: 'failed',
          ...base,
          reason: `${waiting.reason}: pod ${pod.metadata?.name ?? '?'} container ${c.name}${msg}`,
        };
      }
    }
  }
  if (observed < generation)
    return {
      phase: 'progressing',
      ...base,
      reason: 'waiting for the controller to observe the new generation',
    };
  const waitingReasons = new Set<string>();
  for (const pod of pods) {
    for (const c of pod.status?.containerStatuses ?? [])
      if (c.state?.waiting?.reason) waitingReasons.add(c.state.waiting.reason);
  }
  const extra = waitingReasons.size ? ` (${[...waitingReasons].join(', ')})` : '';
  return {
    phase: 'progressing',
    ...base,
    reason: `${updated}/${desired} updated, ${available}/${desired} available${extra}`,
  };
}

/** active: ready endpoints (ClusterIP/NodePort) or a load-balancer ingress (LoadBalancer); else pending. */
export function serviceObservation(
  service: V1Service | null | undefined,
  endpoints: V1Endpoints | null | undefined,
): ServiceObservation {
  if (!service) return { phase: 'absent', reason: 'service not found' };
  const clusterIp = service.spec?.clusterIP;
  const base: ServiceObservation = { phase: 'pending', ...(clusterIp ? { clusterIp } : {}) };
  if (service.spec?.type === 'LoadBalancer') {
    const ingress = (service.status?.loadBalancer?.ingress ?? [])
      .map((i) => i.ip ?? i.hostname)
      .filter((x): x is string => typeof x === 'string' && x.length > 0);
    if (ingress.length) return { ...base, phase: 'active', ingress };
    return { ...base, reason: 'waiting for a load-balancer ingress (on minikube, run `minikube tunnel`)' };
  }
  let ready = 0;
  let notReady = 0;
  for (const s of endpoints?.subsets ?? []) {
    ready += s.addresses?.length ?? 0;
    notReady += s.notReadyAddresses?.length ?? 0;
  }
  if (ready > 0) return { ...base, phase: 'active' };
  return {
    ...base,
    reason:
      notReady > 0
        ? `no ready endpoints (${notReady} not ready)`
        : 'no ready endpoints: no running pod matches the selector',
  };
}

const CPU_SUFFIX: Record<string, number> = { n: 1e-6, u: 1e-3, m: 1, '': 1000, k: 1e6, M: 1e9 };
const MEM_SUFFIX: Record<string, number> = {
  '': 1,
  k: 1e3,
  K: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  Ki: 1024,
  Mi: 1024 ** 2,
  Gi: 1024 ** 3,
  Ti: 1024 ** 4,
  Pi: 1024 ** 5,
};

/** Kubernetes CPU quantity ('250m', '2', '0.5', '1500000n') in millicores; null when unparsable. */
export function parseCpuMillicores(q: string | number | undefined | null): number | null {
  if (q === undefined || q === null) return null;
  const m = String(q)
    .trim()
    .match(/^([0-9.]+(?:e[0-9]+)?)([a-zA-Z]*)$/);
  const factor = m ? CPU_SUFFIX[m[2] ?? ''] : undefined;
  if (!m || factor === undefined) return null;
  return Math.round(Number(m[1]) * factor * 1000) / 1000;
}

/** Kubernetes memory quantity ('64Mi', '4015360Ki', '1G', '134217728') in MiB; null when unparsable. */
export function parseMemoryMiB(q: string | number | undefined | null): number | null {
  if (q === undefined || q === null) return null;
  const m = String(q)
    .trim()
    .match(/^([0-9.]+(?:e[0-9]+)?)([a-zA-Z]*)$/);
  const factor = m ? MEM_SUFFIX[m[2] ?? ''] : undefined;
  if (!m || factor === undefined) return null;
  return Math.round(((Number(m[1]) * factor) / 1024 ** 2) * 100) / 100;
}

function sumOrNull(values: (number | null)[]): number | null {
  const present = values.filter((v): v is number => v !== null);
  return present.length ? present.reduce((a, b) => a + b, 0) : null;
}

export type PodUsage = { cpuMillicores: number; memoryMiB: number };

const POD_PHASES = ['Pending', 'Running', 'Succeeded', 'Failed', 'Unknown'] as const;

function isoOf(v: Date | string | undefined | null): string | undefined {
  if (!v) return undefined;
  return v instanceof Date ? v.toISOString() : String(v);
}

const CONDITION_STATUSES = ['True', 'False', 'Unknown'] as const;

/** Any Kubernetes status condition, reduced to type/status/reason/message. */
export function conditionOf(c: {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}): Condition {
  return {
    type: c.type,
    status: CONDITION_STATUSES.find((s) => s === c.status) ?? 'Unknown',
    ...(c.reason ? { reason: c.reason } : {}),
    ...(c.message ? { message: c.message } : {}),
  };
}

function terminationOf(t: V1ContainerStatus['lastState']): TerminationInfo | undefined {
  const term = t?.terminated;
  if (!term) return undefined;
  const finishedAt = isoOf(term.finishedAt);
  return {
    ...(term.reason ? { reason: term.reason } : {}),
    exitCode: term.exitCode,
    ...(term.message ? { message: term.message.trim() } : {}),
    ...(finishedAt ? { finishedAt } : {}),
  };
}

/** One container status: current state (with the running instance's or the last instance's exit code) and lastState. */
export function containerStatusOf(c: V1ContainerStatus): ContainerStatus {
  const s = c.state;
  const state: ContainerStatus['state'] = s?.running ? 'running' : s?.terminated ? 'terminated' : 'waiting';
  const reason = s?.waiting?.reason ?? s?.terminated?.reason;
  const message = s?.waiting?.message ?? s?.terminated?.message;
  const exitCode = s?.terminated?.exitCode ?? c.lastState?.terminated?.exitCode;
  const lastState = terminationOf(c.lastState);
  return {
    name: c.name,
    ready: c.ready,
    restartCount: c.restartCount,
    state,
    ...(reason ? { reason } : {}),
    ...(message ? { message } : {}),
    ...(exitCode !== undefined ? { exitCode } : {}),
    ...(c.image ? { image: c.image } : {}),
    ...(lastState ? { lastState } : {}),
  };
}

export function podSnapshot(pod: V1Pod, usage: PodUsage | null): PodSnapshot {
  const containers = pod.spec?.containers ?? [];
  const statuses = (pod.status?.containerStatuses ?? []).map(containerStatusOf);
  const init = (pod.status?.initContainerStatuses ?? []).map(containerStatusOf);
  const phase = POD_PHASES.find((p) => p === pod.status?.phase) ?? 'Unknown';
  const conditions = (pod.status?.conditions ?? []).map(conditionOf);
  const ready = conditions.some((c) => c.type === 'Ready' && c.status === 'True');
  return {
    name: pod.metadata?.name ?? '',
    phase,
    ready,
    containers: statuses,
    ...(init.length ? { initContainers: init } : {}),
    ...(pod.status?.reason ? { reason: pod.status.reason } : {}),
    ...(pod.status?.message ? { statusMessage: pod.status.message } : {}),
    ...(conditions.length ? { conditions } : {}),
    ...(pod.spec?.nodeName ? { nodeName: pod.spec.nodeName } : {}),
    cpuMillicores: usage?.cpuMillicores ?? null,
    memoryMiB: usage?.memoryMiB ?? null,
    cpuRequestMillicores: sumOrNull(containers.map((c) => parseCpuMillicores(c.resources?.requests?.cpu))),
    memoryRequestMiB: sumOrNull(containers.map((c) => parseMemoryMiB(c.resources?.requests?.memory))),
    cpuLimitMillicores: sumOrNull(containers.map((c) => parseCpuMillicores(c.resources?.limits?.cpu))),
    memoryLimitMiB: sumOrNull(containers.map((c) => parseMemoryMiB(c.resources?.limits?.memory))),
  };
}

/** True when every key=value of `selector` is among `labels` (an empty selector selects nothing here). */
export function selectorMatches(
  selector: Record<string, string> | undefined,
  labels: Record<string, string> | undefined,
): boolean {
  const entries = Object.entries(selector ?? {});
  return entries.length > 0 && entries.every(([k, v]) => labels?.[k] === v);
}

/** A service as the analyzer sees it: its selector, whether it matches the pod labels, and its endpoints. */
export function serviceSnapshot(
  service: V1Service,
  endpoints: V1Endpoints | null | undefined,
  podLabels: Record<string, string> | undefined,
): ServiceSnapshot {
  let ready = 0;
  let notReady = 0;
  for (const s of endpoints?.subsets ?? []) {
    ready += s.addresses?.length ?? 0;
    notReady += s.notReadyAddresses?.length ?? 0;
  }
  const selector = service.spec?.selector ?? {};
  const targetPorts = (service.spec?.ports ?? [])
    .map((p) => p.targetPort ?? p.port)
    .filter((p): p is number => typeof p === 'number');
  return {
    name: service.metadata?.name ?? '',
    type: service.spec?.type ?? 'ClusterIP',
    selector,
    selectsWorkload: selectorMatches(selector, podLabels),
    readyEndpoints: ready,
    notReadyEndpoints: notReady,
    ...(targetPorts.length ? { targetPorts } : {}),
  };
}

export function nodeSnapshot(node: V1Node): NodeSnapshot {
  const conditions = (node.status?.conditions ?? []).map(conditionOf);
  const readyCond = conditions.find((c) => c.type === 'Ready');
  const alloc = node.status?.allocatable ?? node.status?.capacity ?? {};
  return {
    name: node.metadata?.name ?? '',
    ready: readyCond ? readyCond.status === 'True' : null,
    conditions,
    taints: (node.spec?.taints ?? []).map((t) => ({
      key: t.key,
      ...(t.value ? { value: t.value } : {}),
      effect: t.effect,
    })),
    ...(node.spec?.unschedulable ? { unschedulable: true } : {}),
    allocatable: {
      cpuMillicores: parseCpuMillicores(alloc.cpu) ?? 0,
      memoryMiB: parseMemoryMiB(alloc.memory) ?? 0,
    },
  };
}

export function pvcSnapshot(pvc: V1PersistentVolumeClaim): PvcSnapshot {
  const requested = pvc.spec?.resources?.requests?.storage;
  return {
    name: pvc.metadata?.name ?? '',
    phase: pvc.status?.phase ?? 'Pending',
    ...(pvc.spec?.storageClassName ? { storageClass: pvc.spec.storageClassName } : {}),
    ...(requested ? { requested: String(requested) } : {}),
  };
}

export function eventOf(e: CoreV1Event): K8sEvent {
  const at =
    isoOf(e.lastTimestamp) ??
    isoOf(e.eventTime) ??
    isoOf(e.firstTimestamp) ??
    isoOf(e.metadata?.creationTimestamp) ??
    '';
  return {
    type: e.type === 'Warning' ? 'Warning' : 'Normal',
    reason: e.reason ?? '',
    message: e.message ?? '',
    object: `${e.involvedObject?.kind ?? '?'}/${e.involvedObject?.name ?? '?'}`,
    at,
  };
}

/**
 * The container whose logs explain a problem: a failing init container (it blocks the others), else the
 * first not-ready container of the first unhealthy pod.
 */
export function firstUnhealthyContainer(
  pods: V1Pod[],
): { pod: string; container: string; previous: boolean } | null {
  for (const pod of pods) {
    for (const c of pod.status?.initContainerStatuses ?? []) {
      const failed = c.state?.terminated ? c.state.terminated.exitCode !== 0 : !c.ready && c.restartCount > 0;
      if (failed) return { pod: pod.metadata?.name ?? '', container: c.name, previous: c.restartCount > 0 };
    }
  }
  for (const pod of pods) {
    for (const c of pod.status?.containerStatuses ?? []) {
      if (!c.ready) return { pod: pod.metadata?.name ?? '', container: c.name, previous: c.restartCount > 0 };
    }
  }
  return null;
}

export function nodeCapacity(node: V1Node): ClusterSnapshot['nodes'][number] {
  const cap = node.status?.capacity ?? {};
  const n = nodeSnapshot(node);
  return {
    name: node.metadata?.name ?? '',
    cpuMillicores: parseCpuMillicores(cap.cpu) ?? 0,
    memoryMiB: parseMemoryMiB(cap.memory) ?? 0,
    ready: n.ready,
    conditions: n.conditions,
    taints: n.taints,
  };
}
