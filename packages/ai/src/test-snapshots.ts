// Hand-built snapshot builders for this package's tests: healthy defaults, override what a case is about.
import type {
  ClusterSnapshot,
  ContainerStatus,
  K8sEvent,
  PodSnapshot,
  WorkloadSnapshot,
} from '@slipway/drivers';

export function container(over: Partial<ContainerStatus> = {}): ContainerStatus {
  return { name: 'app', ready: true, restartCount: 0, state: 'running', ...over };
}

export function pod(name: string, over: Partial<PodSnapshot> = {}): PodSnapshot {
  return {
    name,
    phase: 'Running',
    ready: true,
    containers: [container()],
    cpuMillicores: 100,
    memoryMiB: 128,
    cpuRequestMillicores: 200,
    memoryRequestMiB: 256,
    cpuLimitMillicores: 500,
    memoryLimitMiB: 512,
    ...over,
  };
}

export function event(
  reason: string,
  message: string,
  object: string,
  over: Partial<K8sEvent> = {},
): K8sEvent {
  return { type: 'Warning', reason, message, object, at: '2026-02-07T10:00:00Z', ...over };
}

export function workload(over: Partial<WorkloadSnapshot> = {}): WorkloadSnapshot {
  return {
    deployment: { phase: 'running', desiredReplicas: 2, availableReplicas: 2 },
    pods: [pod('api-7d9f-a1'), pod('api-7d9f-b2')],
    events: [],
    ...over,
  };
}

export function cluster(
  workloads: { name: string; snapshot: WorkloadSnapshot }[],
  nodes: ClusterSnapshot['nodes'] = [{ name: 'minikube', cpuMillicores: 4000, memoryMiB: 8192 }],
): ClusterSnapshot {
  return { nodes, workloads: workloads.map((w) => ({ ...w.snapshot, name: w.name, namespace: 'default' })) };
}
