// What `kubectl get pods,events` and metrics-server would show for a deployment once its rollout settled,
// derived only from the spec (replicas, image, names) so any process reproduces the same snapshot.
import type {
  ClusterTarget,
  ContainerStatus,
  DeploymentObservation,
  DeploymentSpec,
  K8sEvent,
  PodSnapshot,
  WorkloadSnapshot,
} from '../types.ts';
import { type WorkloadBehavior, workloadBehavior } from './faults.ts';
import { hashHex, hashInt, k8sSuffix } from './hash.ts';

/** Requests/limits the sandbox assumes for every container (the manifest builder's defaults are similar). */
export const SANDBOX_RESOURCES = {
  cpuRequestMillicores: 250,
  memoryRequestMiB: 256,
  cpuLimitMillicores: 500,
  memoryLimitMiB: 512,
} as const;

/** The single node every sandbox cluster has (minikube's default machine is 4 CPUs / 8 GiB). */
export const SANDBOX_NODE = { cpuMillicores: 4000, memoryMiB: 8192 } as const;

export const CRASH_LOG_LINES = [
  'Starting application (pid 1)',
  'Loading configuration from environment',
  'Error: missing required environment variable DATABASE_URL',
  '    at loadConfig (/app/dist/config.js:14:11)',
  '    at main (/app/dist/main.js:6:18)',
  'Process exited with status 1',
] as const;

export const MISSING_SECRET_MESSAGE = 'secret "app-env" not found';

/** ReplicaSet pod-template hash: changes when the image or port changes, like a real rollout. */
export function podTemplateHash(spec: DeploymentSpec): string {
  return k8sSuffix(10, 'pod-template', spec.namespace, spec.name, spec.image, String(spec.containerPort));
}

export function podNames(spec: DeploymentSpec): string[] {
  const rs = podTemplateHash(spec);
  return Array.from(
    { length: Math.max(0, spec.replicas) },
    (_, i) => `${spec.name}-${rs}-${k8sSuffix(5, 'pod', spec.id, rs, String(i))}`,
  );
}

/** The settled state of a deployment with this behaviour (what inspect and a finished wait report). */
export function settledObservation(spec: DeploymentSpec, behavior: WorkloadBehavior): DeploymentObservation {
  const desiredReplicas = Math.max(0, spec.replicas);
  if (desiredReplicas === 0) return { phase: 'running', desiredReplicas, availableReplicas: 0 };
  switch (behavior) {
    case 'healthy':
    case 'hungry':
      return { phase: 'running', desiredReplicas, availableReplicas: desiredReplicas };
    case 'slow':
      return {
        phase: 'progressing',
        desiredReplicas,
        availableReplicas: 0,
        reason: 'MinimumReplicasUnavailable',
      };
    case 'crash':
      return { phase: 'failed', desiredReplicas, availableReplicas: 0, reason: 'CrashLoopBackOff' };
    case 'missing-env':
      return { phase: 'failed', desiredReplicas, availableReplicas: 0, reason: 'CreateContainerConfigError' };
    case 'image-pull':
      return { phase: 'failed', desiredReplicas, availableReplicas: 0, reason: 'ImagePullBackOff' };
  }
}

type PodParts = { pod: PodSnapshot; events: K8sEvent[] };

function simulatePod(
  spec: DeploymentSpec,
  behavior: WorkloadBehavior,
  podName: string,
  nodeName: string,
  nowMs: number,
): PodParts {
  const at = (secondsAgo: number): string => new Date(nowMs - secondsAgo * 1000).toISOString();
  const object = `pod/${podName}`;
  const ev = (type: K8sEvent['type'], reason: string, message: string, secondsAgo: number): K8sEvent => ({
    type,
    reason,
    message,
    object,
    at: at(secondsAgo),
  });
  const container = spec.name;
  const pullSeconds = (hashInt(300, 9000, 'pull', spec.image) / 1000).toFixed(3);
  const imageBytes = hashInt(5_000_000, 300_000_000, 'image-bytes', spec.image);
  const podIp = `10.244.0.${hashInt(2, 254, 'pod-ip', podName)}`;
  const events: K8sEvent[] = [
    ev('Normal', 'Scheduled', `Successfully assigned ${spec.namespace}/${podName} to ${nodeName}`, 120),
  ];
  const started = [
    ev('Normal', 'Pulling', `Pulling image "${spec.image}"`, 119),
    ev(
      'Normal',
      'Pulled',
      `Successfully pulled image "${spec.image}" in ${pullSeconds}s (${pullSeconds}s including waiting). Image size: ${imageBytes} bytes.`,
      115,
    ),
    ev('Normal', 'Created', `Created container: ${container}`, 114),
    ev('Normal', 'Started', `Started container ${container}`, 114),
  ];
  const limits = {
    cpuRequestMillicores: SANDBOX_RESOURCES.cpuRequestMillicores,
    memoryRequestMiB: SANDBOX_RESOURCES.memoryRequestMiB,
    cpuLimitMillicores: SANDBOX_RESOURCES.cpuLimitMillicores,
    memoryLimitMiB: SANDBOX_RESOURCES.memoryLimitMiB,
  };
  const noMetrics = { cpuMillicores: null, memoryMiB: null };
  const waiting = (
    reason: string,
    message: string,
    restartCount = 0,
    exitCode?: number,
  ): ContainerStatus => ({
    name: container,
    ready: false,
    restartCount,
    state: 'waiting',
    reason,
    message,
    ...(exitCode === undefined ? {} : { exitCode }),
  });

  switch (behavior) {
    case 'healthy':
    case 'hungry': {
      const hungry = behavior === 'hungry';
      // Hungry pods sit at 92-99% of their limits so an analyzer recommends raising them; healthy ones
      // use 20-43% of limits (40-86% of requests), a comfortable steady state.
      const usage = hungry
        ? {
            cpuMillicores: hashInt(460, 495, 'cpu', podName),
            memoryMiB: hashInt(470, 505, 'mem', podName),
          }
        : {
            cpuMillicores: hashInt(100, 200, 'cpu', podName),
            memoryMiB: hashInt(120, 220, 'mem', podName),
          };
      return {
        pod: {
          name: podName,
          phase: 'Running',
          ready: true,
          containers: [{ name: container, ready: true, restartCount: 0, state: 'running' }],
          ...usage,
          ...limits,
        },
        events: [...events, ...started],
      };
    }
    case 'slow': {
      const probe = `Readiness probe failed: Get "http://${podIp}:${spec.containerPort}/healthz": context deadline exceeded (Client.Timeout exceeded while awaiting headers)`;
      return {
        pod: {
          name: podName,
          phase: 'Running',
          ready: false,
          containers: [{ name: container, ready: false, restartCount: 0, state: 'running' }],
          cpuMillicores: hashInt(150, 300, 'cpu', podName),
          memoryMiB: hashInt(150, 300, 'mem', podName),
          ...limits,
        },
        events: [...events, ...started, ev('Warning', 'Unhealthy', probe, 5)],
      };
    }
    case 'crash': {
      const restarts = hashInt(3, 7, 'restarts', podName);
      const backoff = Math.min(300, 10 * 2 ** (restarts - 1));
      return {
        pod: {
          name: podName,
          phase: 'Running',
          ready: false,
          containers: [
            waiting(
              'CrashLoopBackOff',
              `back-off ${backoff}s restarting failed container=${container} pod=${podName}_${spec.namespace}(${hashHex('uid', podName).slice(0, 8)}) (last state: Terminated, reason: Error, exit code: 1)`,
              restarts,
              1,
            ),
          ],
          ...noMetrics,
          ...limits,
        },
        events: [
          ...events,
          ...started,
          ev(
            'Warning',
            'BackOff',
            `Back-off restarting failed container ${container} in pod ${podName}_${spec.namespace}(${hashHex('uid', podName).slice(0, 8)})`,
            10,
          ),
        ],
      };
    }
    case 'missing-env':
      return {
        pod: {
          name: podName,
          phase: 'Pending',
          ready: false,
          containers: [waiting('CreateContainerConfigError', MISSING_SECRET_MESSAGE)],
          ...noMetrics,
          ...limits,
        },
        events: [
          ...events,
          ev('Normal', 'Pulled', `Container image "${spec.image}" already present on machine`, 118),
          ev('Warning', 'Failed', `Error: ${MISSING_SECRET_MESSAGE}`, 8),
        ],
      };
    case 'image-pull': {
      const denied = `Failed to pull image "${spec.image}": Error response from daemon: pull access denied for ${spec.image.split(':')[0] ?? spec.image}, repository does not exist or may require 'docker login': denied: requested access to the resource is denied`;
      return {
        pod: {
          name: podName,
          phase: 'Pending',
          ready: false,
          containers: [waiting('ImagePullBackOff', `Back-off pulling image "${spec.image}"`)],
          ...noMetrics,
          ...limits,
        },
        events: [
          ...events,
          ev('Normal', 'Pulling', `Pulling image "${spec.image}"`, 119),
          ev('Warning', 'Failed', denied, 117),
          ev('Warning', 'Failed', 'Error: ErrImagePull', 117),
          ev('Normal', 'BackOff', `Back-off pulling image "${spec.image}"`, 12),
          ev('Warning', 'Failed', 'Error: ImagePullBackOff', 12),
        ],
      };
    }
  }
}

function unhealthyLogs(behavior: WorkloadBehavior, container: string, podName: string): string[] | undefined {
  switch (behavior) {
    case 'crash':
      return [...CRASH_LOG_LINES];
    case 'missing-env':
      return [`container "${container}" in pod "${podName}" is waiting to start: CreateContainerConfigError`];
    case 'image-pull':
      return [
        `container "${container}" in pod "${podName}" is waiting to start: trying and failing to pull image`,
      ];
    case 'slow':
      return [
        'Starting application (pid 1)',
        'Warming cache: 0 of 48210 entries loaded',
        'Warming cache: 1206 of 48210 entries loaded',
        'GET /healthz 503 (cache warm-up 2% complete)',
      ];
    default:
      return undefined;
  }
}

/** The settled snapshot of one deployment: pods, container statuses, events (oldest first), usage, logs. */
export function simulateWorkload(
  target: ClusterTarget,
  spec: DeploymentSpec,
  nowMs: number,
): WorkloadSnapshot {
  const behavior = workloadBehavior(spec.image);
  const names = podNames(spec);
  const parts = names.map((n) => simulatePod(spec, behavior, n, target.name, nowMs));
  const scaled: K8sEvent = {
    type: 'Normal',
    reason: 'ScalingReplicaSet',
    message: `Scaled up replica set ${spec.name}-${podTemplateHash(spec)} to ${Math.max(0, spec.replicas)}`,
    object: `deployment/${spec.name}`,
    at: new Date(nowMs - 121_000).toISOString(),
  };
  const events = [scaled, ...parts.flatMap((p) => p.events)].sort((a, b) => a.at.localeCompare(b.at));
  const snapshot: WorkloadSnapshot = {
    deployment: settledObservation(spec, behavior),
    pods: parts.map((p) => p.pod),
    events,
  };
  const first = names[0];
  const logs = first === undefined ? undefined : unhealthyLogs(behavior, spec.name, first);
  if (logs) snapshot.logs = logs;
  return snapshot;
}
