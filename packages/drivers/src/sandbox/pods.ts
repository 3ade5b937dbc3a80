// What `kubectl get pods,events` and metrics-server would show for a deployment once its rollout settled,
// derived only from the spec (replicas, image, names) so any process reproduces the same snapshot.
import { repositoryOf, splitImageReference } from '@slipway/contract/image-reference';
import type {
  ClusterTarget,
  Condition,
  ContainerStatus,
  DeploymentObservation,
  DeploymentSpec,
  K8sEvent,
  NodeSnapshot,
  PodSnapshot,
  PvcSnapshot,
  ServiceSnapshot,
  ServiceSpec,
  WorkloadSnapshot,
} from '../types.ts';
import { type WorkloadBehavior, WRONG_SELECTOR_WORD, workloadBehavior } from './faults.ts';
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

/** Behaviours whose pods never get a container started or scheduled: the rollout just never finishes. */
const STALLED: readonly WorkloadBehavior[] = [
  'slow',
  'quota',
  'tainted',
  'insufficient-cpu',
  'pvc-pending',
  'node-down',
  'mem-pressure',
  'evicted',
];

/** Waiting reason a failed rollout of this behaviour reports (what `deploymentObservation` would find). */
const FAILED_REASON: Partial<Record<WorkloadBehavior, string>> = {
  'missing-env': 'CreateContainerConfigError',
  'missing-configmap': 'CreateContainerConfigError',
  'image-pull': 'ImagePullBackOff',
  'tag-missing': 'ImagePullBackOff',
  'run-error': 'RunContainerError',
};

/** The settled state of a deployment with this behaviour (what inspect and a finished wait report). */
export function settledObservation(spec: DeploymentSpec, behavior: WorkloadBehavior): DeploymentObservation {
  const desiredReplicas = Math.max(0, spec.replicas);
  if (desiredReplicas === 0) return { phase: 'running', desiredReplicas, availableReplicas: 0 };
  if (behavior === 'healthy' || behavior === 'hungry')
    return { phase: 'running', desiredReplicas, availableReplicas: desiredReplicas };
  if (STALLED.includes(behavior))
    return {
      phase: 'progressing',
      desiredReplicas,
      availableReplicas: 0,
      reason: 'MinimumReplicasUnavailable',
    };
  return {
    phase: 'failed',
    desiredReplicas,
    availableReplicas: 0,
    reason: FAILED_REASON[behavior] ?? 'CrashLoopBackOff',
  };
}

/** Whether waiting on this behaviour's rollout runs into the caller's whole timeout. */
export function rolloutStalls(behavior: WorkloadBehavior): boolean {
  return STALLED.includes(behavior);
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
      const denied = `Failed to pull image "${spec.image}": Error response from daemon: pull access denied for ${repositoryOf(splitImageReference(spec.image))}, repository does not exist or may require 'docker login': denied: requested access to the resource is denied`;
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
    default:
      return simulateFailingPod(spec, behavior, podName, nodeName, nowMs, {
        ev,
        events,
        started,
        limits,
        podIp,
        waiting,
      });
  }
}

type PodHelpers = {
  ev: (type: K8sEvent['type'], reason: string, message: string, secondsAgo: number) => K8sEvent;
  events: K8sEvent[];
  started: K8sEvent[];
  limits: Pick<
    PodSnapshot,
    'cpuRequestMillicores' | 'memoryRequestMiB' | 'cpuLimitMillicores' | 'memoryLimitMiB'
  >;
  podIp: string;
  waiting: (reason: string, message: string, restartCount?: number, exitCode?: number) => ContainerStatus;
};

const cond = (type: string, status: Condition['status'], reason?: string, message?: string): Condition => ({
  type,
  status,
  ...(reason ? { reason } : {}),
  ...(message ? { message } : {}),
});

const NOT_READY: Condition[] = [
  cond('PodScheduled', 'True'),
  cond('Initialized', 'True'),
  cond('ContainersReady', 'False', 'ContainersNotReady'),
  cond('Ready', 'False', 'ContainersNotReady'),
];

/** Scheduler messages for the behaviours whose pods stay Pending (as `kubectl describe pod` prints them). */
export const UNSCHEDULABLE_MESSAGES = {
  tainted:
    '0/1 nodes are available: 1 node(s) had untolerated taint {dedicated: gpu}. preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling.',
  'insufficient-cpu':
    '0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.',
  'pvc-pending':
    '0/1 nodes are available: pod has unbound immediate PersistentVolumeClaims. preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling.',
} as const;

export const EVICTION_MESSAGES = {
  'mem-pressure': (c: string) =>
    `The node was low on resource: memory. Threshold quantity: 100Mi, available: 62Mi. Container ${c} was using 310Mi, request is 256Mi, has larger consumption of memory.`,
  evicted: (c: string) =>
    `The node was low on resource: ephemeral-storage. Threshold quantity: 1Gi, available: 812Mi. Container ${c} was using 3Gi, request is 0, has larger consumption of ephemeral-storage.`,
} as const;

export const RUN_ERROR_MESSAGE =
  'failed to create containerd task: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: exec: "/app/server": stat /app/server: no such file or directory: unknown';

export const EXIT_MESSAGE = 'open /etc/app/config.yaml: no such file or directory';

/** The failure behaviours added for the AI scenario suite; one pod, settled. */
function simulateFailingPod(
  spec: DeploymentSpec,
  behavior: WorkloadBehavior,
  podName: string,
  nodeName: string,
  _nowMs: number,
  h: PodHelpers,
): PodParts {
  const container = spec.name;
  const { ev, events, started, limits } = h;
  const noMetrics = { cpuMillicores: null, memoryMiB: null };
  const restarts = hashInt(3, 7, 'restarts', podName);
  const backoff = Math.min(300, 10 * 2 ** (restarts - 1));
  const uid = hashHex('uid', podName).slice(0, 8);
  const backoffMsg = `back-off ${backoff}s restarting failed container=${container} pod=${podName}_${spec.namespace}(${uid})`;
  const backoffEvent = ev(
    'Warning',
    'BackOff',
    `Back-off restarting failed container ${container} in pod ${podName}_${spec.namespace}(${uid})`,
    10,
  );
  const crashLoop = (
    exitCode: number,
    reason: string,
    message?: string,
    extra: K8sEvent[] = [],
  ): PodParts => ({
    pod: {
      name: podName,
      phase: 'Running',
      ready: false,
      nodeName,
      conditions: NOT_READY,
      containers: [
        {
          name: container,
          ready: false,
          restartCount: restarts,
          state: 'waiting',
          reason: 'CrashLoopBackOff',
          message: backoffMsg,
          exitCode,
          image: spec.image,
          lastState: {
            reason,
            exitCode,
            ...(message ? { message } : {}),
            finishedAt: ev('Normal', '', '', 20).at,
          },
        },
      ],
      ...noMetrics,
      ...limits,
    },
    events: [...events, ...started, ...extra, backoffEvent],
  });
  const pending = (message: string, withEvent: boolean, overrides: Partial<PodSnapshot> = {}): PodParts => ({
    pod: {
      name: podName,
      phase: 'Pending',
      ready: false,
      conditions: [cond('PodScheduled', 'False', 'Unschedulable', message)],
      containers: [],
      ...noMetrics,
      ...limits,
      ...overrides,
    },
    // Never scheduled: no Scheduled event either.
    events: withEvent ? [ev('Warning', 'FailedScheduling', message, 30)] : [],
  });
  const probeUrl = `http://${h.podIp}:${spec.containerPort}/healthz`;

  switch (behavior) {
    case 'tainted':
      return pending(UNSCHEDULABLE_MESSAGES.tainted, false);
    case 'insufficient-cpu':
      return pending(UNSCHEDULABLE_MESSAGES['insufficient-cpu'], true, {
        cpuRequestMillicores: 6000,
        cpuLimitMillicores: 6000,
      });
    case 'pvc-pending':
      return pending(UNSCHEDULABLE_MESSAGES['pvc-pending'], true);
    case 'node-down':
      return {
        pod: {
          name: podName,
          phase: 'Running',
          ready: false,
          nodeName,
          conditions: [
            cond('PodScheduled', 'True'),
            cond('Initialized', 'True'),
            cond('ContainersReady', 'False'),
            cond('Ready', 'False'),
          ],
          containers: [
            { name: container, ready: false, restartCount: 0, state: 'running', image: spec.image },
          ],
          ...noMetrics,
          ...limits,
        },
        events: [...events, ...started, ev('Warning', 'NodeNotReady', 'Node is not ready', 40)],
      };
    case 'mem-pressure':
    case 'evicted': {
      const message = EVICTION_MESSAGES[behavior](container);
      return {
        pod: {
          name: podName,
          phase: 'Failed',
          ready: false,
          reason: 'Evicted',
          statusMessage: message,
          nodeName,
          conditions: [
            cond('PodScheduled', 'True'),
            cond('DisruptionTarget', 'True', 'TerminationByKubelet', message),
          ],
          containers: [
            {
              name: container,
              ready: false,
              restartCount: 0,
              state: 'terminated',
              reason: 'ContainerStatusUnknown',
              exitCode: 137,
              image: spec.image,
            },
          ],
          ...noMetrics,
          ...limits,
        },
        events: [...events, ...started, ev('Warning', 'Evicted', message, 25)],
      };
    }
    case 'tag-missing': {
      const failed = `Failed to pull image "${spec.image}": Error response from daemon: manifest for ${spec.image} not found: manifest unknown: manifest unknown`;
      return {
        pod: {
          name: podName,
          phase: 'Pending',
          ready: false,
          nodeName,
          conditions: NOT_READY,
          containers: [
            { ...h.waiting('ImagePullBackOff', `Back-off pulling image "${spec.image}"`), image: spec.image },
          ],
          ...noMetrics,
          ...limits,
        },
        events: [
          ...events,
          ev('Normal', 'Pulling', `Pulling image "${spec.image}"`, 119),
          ev('Warning', 'Failed', failed, 117),
          ev('Warning', 'Failed', 'Error: ErrImagePull', 117),
          ev('Normal', 'BackOff', `Back-off pulling image "${spec.image}"`, 12),
          ev('Warning', 'Failed', 'Error: ImagePullBackOff', 12),
        ],
      };
    }
    case 'missing-configmap': {
      const message = 'configmap "app-config" not found';
      return {
        pod: {
          name: podName,
          phase: 'Pending',
          ready: false,
          nodeName,
          conditions: NOT_READY,
          containers: [{ ...h.waiting('CreateContainerConfigError', message), image: spec.image }],
          ...noMetrics,
          ...limits,
        },
        events: [
          ...events,
          ev('Normal', 'Pulled', `Container image "${spec.image}" already present on machine`, 118),
          ev('Warning', 'Failed', `Error: ${message}`, 8),
        ],
      };
    }
    case 'init-fail':
      return {
        pod: {
          name: podName,
          phase: 'Pending',
          ready: false,
          nodeName,
          conditions: [
            cond('PodScheduled', 'True'),
            cond(
              'Initialized',
              'False',
              'ContainersNotInitialized',
              'containers with incomplete status: [migrate]',
            ),
            cond('Ready', 'False', 'ContainersNotReady'),
          ],
          initContainers: [
            {
              name: 'migrate',
              ready: false,
              restartCount: restarts,
              state: 'waiting',
              reason: 'CrashLoopBackOff',
              message: `back-off ${backoff}s restarting failed container=migrate pod=${podName}_${spec.namespace}(${uid})`,
              exitCode: 1,
              image: spec.image,
              lastState: { reason: 'Error', exitCode: 1 },
            },
          ],
          containers: [
            {
              name: container,
              ready: false,
              restartCount: 0,
              state: 'waiting',
              reason: 'PodInitializing',
              image: spec.image,
            },
          ],
          ...noMetrics,
          ...limits,
        },
        events: [
          ...events,
          ...started.slice(0, 2),
          ev('Normal', 'Created', 'Created container: migrate', 114),
          ev('Normal', 'Started', 'Started container migrate', 114),
          ev(
            'Warning',
            'BackOff',
            `Back-off restarting failed container migrate in pod ${podName}_${spec.namespace}(${uid})`,
            10,
          ),
        ],
      };
    case 'run-error':
      return {
        pod: {
          name: podName,
          phase: 'Running',
          ready: false,
          nodeName,
          conditions: NOT_READY,
          containers: [
            {
              name: container,
              ready: false,
              restartCount: restarts,
              state: 'waiting',
              reason: 'RunContainerError',
              message: RUN_ERROR_MESSAGE,
              exitCode: 128,
              image: spec.image,
              lastState: { reason: 'StartError', exitCode: 128, message: RUN_ERROR_MESSAGE },
            },
          ],
          ...noMetrics,
          ...limits,
        },
        events: [
          ...events,
          ...started.slice(0, 3),
          ev('Warning', 'Failed', `Error: ${RUN_ERROR_MESSAGE}`, 9),
        ],
      };
    case 'oom':
      return crashLoop(137, 'OOMKilled');
    case 'exit-msg':
      return crashLoop(2, 'Error', EXIT_MESSAGE);
    case 'panic':
      return crashLoop(2, 'Error');
    case 'warmup':
    case 'liveness': {
      const probe =
        behavior === 'warmup'
          ? `Liveness probe failed: Get "${probeUrl}": context deadline exceeded (Client.Timeout exceeded while awaiting headers)`
          : 'Liveness probe failed: HTTP probe failed with statuscode: 500';
      return crashLoop(137, 'Error', undefined, [
        ev('Warning', 'Unhealthy', probe, 15),
        ev('Normal', 'Killing', `Container ${container} failed liveness probe, will be restarted`, 15),
      ]);
    }
    default:
      // conn-refused, dns-fail, perm-denied, port-clash, traceback: the process exits 1 and says why in its log.
      return crashLoop(1, 'Error');
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
      return BEHAVIOR_LOGS[behavior];
  }
}

/** Log lines (of the previous instance) each failure behaviour prints. */
export const BEHAVIOR_LOGS: Partial<Record<WorkloadBehavior, string[]>> = {
  oom: ['Starting worker (pid 1)', 'Loading dataset into memory: 2.1 GiB', 'Allocated 480Mi of buffers'],
  'init-fail': [
    'Running database migrations (12 pending)',
    'Applying 0007_add_users_table',
    'Error: relation "users" already exists',
    'migration 0007_add_users_table failed; aborting',
  ],
  'conn-refused': [
    'Starting application (pid 1)',
    'Connecting to postgres at postgres:5432',
    'Error: connect ECONNREFUSED 10.96.120.15:5432',
    '    at TCPConnectWrap.afterConnect [as oncomplete] (node:net:1607:16)',
  ],
  'dns-fail': [
    'Starting application (pid 1)',
    'Error: getaddrinfo ENOTFOUND redis.cache.svc.cluster.local',
    '    at GetAddrInfoReqWrap.onlookup [as oncomplete] (node:dns:120:26)',
  ],
  'perm-denied': [
    'Starting application (pid 1)',
    "Error: EACCES: permission denied, open '/data/app.db'",
    '    at Object.openSync (node:fs:573:18)',
  ],
  'port-clash': [
    'Starting application (pid 1)',
    'Error: listen EADDRINUSE: address already in use :::8080',
    '    at Server.setupListenHandle [as _listen2] (node:net:1872:16)',
  ],
  panic: [
    'starting server on :8080',
    'panic: runtime error: invalid memory address or nil pointer dereference',
    '[signal SIGSEGV: segmentation violation code=0x1 addr=0x0 pc=0x6b3f2c]',
    '',
    'goroutine 1 [running]:',
    'main.(*Server).routes(0x0)',
    '\t/src/server.go:42 +0x2c',
  ],
  traceback: [
    'Traceback (most recent call last):',
    '  File "/app/main.py", line 3, in <module>',
    '    import flask',
    "ModuleNotFoundError: No module named 'flask'",
  ],
  warmup: [
    'Starting application (pid 1)',
    'Warming cache: 0 of 48210 entries loaded',
    'Warming cache: 1206 of 48210 entries loaded',
    'Received SIGTERM, shutting down',
  ],
  liveness: ['GET /healthz 500 (database pool exhausted: 0 of 10 connections free)'],
};

/** The settled snapshot of one deployment: pods, container statuses, events (oldest first), usage, logs. */
export const QUOTA_MESSAGE = (pod: string) =>
  `pods "${pod}" is forbidden: exceeded quota: compute-quota, requested: limits.memory=512Mi, used: limits.memory=2Gi, limited: limits.memory=2Gi`;

/** Labels of the simulated pod template (the same keys the Kubernetes manifests use). */
export function sandboxPodLabels(spec: DeploymentSpec): Record<string, string> {
  return {
    'app.kubernetes.io/name': spec.name,
    'app.kubernetes.io/managed-by': 'slipway',
    'slipway.dev/deployment-id': spec.id,
  };
}

/** The single node: NotReady for `node-down`, MemoryPressure for `mem-pressure`, a taint for `tainted`. */
export function sandboxNode(name: string, behavior: WorkloadBehavior): NodeSnapshot {
  const conditions: Condition[] = [
    cond('MemoryPressure', 'False', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available'),
    cond('DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'),
    cond('PIDPressure', 'False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'),
    cond('Ready', 'True', 'KubeletReady', 'kubelet is posting ready status'),
  ];
  const taints: NodeSnapshot['taints'] = [];
  if (behavior === 'node-down') {
    conditions[3] = cond('Ready', 'Unknown', 'NodeStatusUnknown', 'Kubelet stopped posting node status.');
    taints.push(
      { key: 'node.kubernetes.io/unreachable', effect: 'NoSchedule' },
      { key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' },
    );
  }
  if (behavior === 'mem-pressure') {
    conditions[0] = cond(
      'MemoryPressure',
      'True',
      'KubeletHasInsufficientMemory',
      'kubelet has insufficient memory available',
    );
    taints.push({ key: 'node.kubernetes.io/memory-pressure', effect: 'NoSchedule' });
  }
  if (behavior === 'tainted') taints.push({ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' });
  return {
    name,
    ready: conditions[3]?.status === 'True',
    conditions,
    taints,
    allocatable: { ...SANDBOX_NODE },
  };
}

function sandboxServices(
  spec: DeploymentSpec,
  services: ServiceSpec[],
  pods: PodSnapshot[],
): ServiceSnapshot[] {
  const labels = sandboxPodLabels(spec);
  return services
    .filter((svc) => svc.deploymentId === spec.id)
    .map((svc) => {
      const wrong = svc.name.toLowerCase().includes(WRONG_SELECTOR_WORD);
      const selector: Record<string, string> = wrong
        ? { app: spec.name }
        : { 'slipway.dev/deployment-id': spec.id };
      const selects = Object.entries(selector).every(([k, v]) => labels[k] === v);
      const withIp = selects ? pods.filter((p) => p.phase === 'Running') : [];
      return {
        name: svc.name,
        type: svc.type,
        selector,
        selectsWorkload: selects,
        readyEndpoints: withIp.filter((p) => p.ready).length,
        notReadyEndpoints: withIp.filter((p) => !p.ready).length,
        targetPorts: [svc.targetPort],
      };
    });
}

/** The settled snapshot of one deployment: pods, container statuses, events (oldest first), usage, logs. */
export function simulateWorkload(
  target: ClusterTarget,
  spec: DeploymentSpec,
  nowMs: number,
  services: ServiceSpec[] = [],
): WorkloadSnapshot {
  const behavior = workloadBehavior(spec.image);
  const names = behavior === 'quota' ? [] : podNames(spec);
  const parts = names.map((n) => simulatePod(spec, behavior, n, target.name, nowMs));
  const rsName = `${spec.name}-${podTemplateHash(spec)}`;
  const at = (secondsAgo: number) => new Date(nowMs - secondsAgo * 1000).toISOString();
  const scaled: K8sEvent = {
    type: 'Normal',
    reason: 'ScalingReplicaSet',
    message: `Scaled up replica set ${rsName} to ${Math.max(0, spec.replicas)}`,
    object: `deployment/${spec.name}`,
    at: at(121),
  };
  const extra: K8sEvent[] = [];
  const conditions: Condition[] = [];
  const desired = Math.max(0, spec.replicas);
  const healthy = behavior === 'healthy' || behavior === 'hungry' || desired === 0;
  conditions.push(
    healthy
      ? cond('Available', 'True', 'MinimumReplicasAvailable', 'Deployment has minimum availability.')
      : cond(
          'Available',
          'False',
          'MinimumReplicasUnavailable',
          'Deployment does not have minimum availability.',
        ),
    healthy
      ? cond(
          'Progressing',
          'True',
          'NewReplicaSetAvailable',
          `ReplicaSet "${rsName}" has successfully progressed.`,
        )
      : cond('Progressing', 'True', 'ReplicaSetUpdated', `ReplicaSet "${rsName}" is progressing.`),
  );
  if (behavior === 'quota' && desired > 0) {
    const message = QUOTA_MESSAGE(`${rsName}-${k8sSuffix(5, 'quota-pod', spec.id)}`);
    extra.push({
      type: 'Warning',
      reason: 'FailedCreate',
      message: `Error creating: ${message}`,
      object: `replicaset/${rsName}`,
      at: at(60),
    });
    conditions.push(cond('ReplicaFailure', 'True', 'FailedCreate', message));
  }
  let pvcs: PvcSnapshot[] | undefined;
  if (behavior === 'pvc-pending') {
    const claim = `${spec.name}-data`;
    pvcs = [{ name: claim, phase: 'Pending', storageClass: 'fast-ssd', requested: '10Gi' }];
    extra.push({
      type: 'Warning',
      reason: 'ProvisioningFailed',
      message: 'storageclass.storage.k8s.io "fast-ssd" not found',
      object: `persistentvolumeclaim/${claim}`,
      at: at(90),
    });
  }
  const events = [scaled, ...extra, ...parts.flatMap((p) => p.events)].sort((a, b) =>
    a.at.localeCompare(b.at),
  );
  const pods = parts.map((p) => p.pod);
  const snapshot: WorkloadSnapshot = {
    deployment: settledObservation(spec, behavior),
    pods,
    events,
    image: spec.image,
    podLabels: sandboxPodLabels(spec),
    conditions,
    services: sandboxServices(spec, services, pods),
    nodes: [sandboxNode(target.name, behavior)],
    ...(pvcs ? { pvcs } : {}),
  };
  const first = names[0];
  const logs = first === undefined ? undefined : unhealthyLogs(behavior, spec.name, first);
  if (logs) snapshot.logs = logs;
  return snapshot;
}
