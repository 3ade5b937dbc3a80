// Ways a deployment's pods can fail in the fixture, written as the kubelet, scheduler and controllers
// would write them: pod phase/reason/conditions, container state and lastState, init containers, and the
// events that go with them. The controller applies one of these per tick to every pod of the deployment.
import { arr, type Rec, rec } from './store.ts';

export type CrashReason =
  | 'CrashLoopBackOff'
  | 'ImagePullBackOff'
  | 'ErrImagePull'
  | 'CreateContainerConfigError';

export type WorkloadFault =
  /** The original behaviours: pods stuck in `reason` (CrashLoopBackOff logs `logLines`). */
  | { kind: 'crash'; reason: CrashReason; logLines?: string[] }
  /** The main container exits `exitCode` over and over; `terminationMessage` lands in lastState. */
  | {
      kind: 'exit';
      exitCode: number;
      reason?: string;
      terminationMessage?: string;
      logLines?: string[];
    }
  /** Killed by the kernel at its memory limit: lastState OOMKilled, exit 137. */
  | { kind: 'oom' }
  /** The first init container fails (exit 1) and is restarted; the main containers never start. */
  | { kind: 'init-crash'; logLines?: string[]; exitCode?: number }
  /** The runtime cannot start the container (bad command, missing binary). */
  | { kind: 'run-container-error'; message: string }
  /** CreateContainerConfigError with this message (secret/configmap/key not found). */
  | { kind: 'config-error'; message: string }
  /** ErrImagePull then ImagePullBackOff; `message` is the registry's answer in the Failed event. */
  | { kind: 'image-pull'; message: string }
  /** The kubelet evicted the pod (phase Failed, reason Evicted, `message` names the resource). */
  | { kind: 'evicted'; message: string }
  /** The scheduler cannot place the pod: PodScheduled False/Unschedulable with `message`; `event` also emits FailedScheduling. */
  | { kind: 'unschedulable'; message: string; event?: boolean }
  /** Liveness probe fails: the kubelet kills and restarts the container (exit 137, reason Error). */
  | { kind: 'liveness'; probeMessage: string; logLines?: string[] }
  /** Readiness probe fails: running but never ready. */
  | { kind: 'readiness'; probeMessage: string; logLines?: string[] }
  /** The ReplicaSet cannot create pods (ResourceQuota); no pod exists. */
  | { kind: 'quota'; message: string };

export type FaultEvent = { type: 'Normal' | 'Warning'; reason: string; message: string };

export type FaultOutcome = {
  status: Rec;
  events: FaultEvent[];
  /** Log lines of the failing container instance (appended to the pod's log). */
  logs?: string[];
};

const nowIso = (): string => new Date().toISOString().replace(/\.\d+Z$/, 'Z');

type PodView = { name: string; spec: Rec; status: Rec; podIP: string };

function containerNames(spec: Rec, key: 'containers' | 'initContainers'): Rec[] {
  return arr(spec[key]).map(rec);
}

function prevRestarts(status: Rec, key: 'containerStatuses' | 'initContainerStatuses', i: number): number {
  return Number(rec(arr(status[key])[i]).restartCount ?? 0);
}

const scheduled = { type: 'PodScheduled', status: 'True' };
const notReady = (reason = 'ContainersNotReady'): Rec[] => [
  { type: 'Initialized', status: 'True' },
  { type: 'Ready', status: 'False', reason },
  { type: 'ContainersReady', status: 'False', reason },
];

/** The pod status (and events) a fault produces on one tick, given the pod's previous status. */
export function faultOutcome(fault: WorkloadFault, pod: PodView): FaultOutcome {
  const containers = containerNames(pod.spec, 'containers');
  const first = containers[0] ?? {};
  const cname = String(first.name ?? 'app');
  const image = String(first.image ?? '');
  const base = { podIP: pod.podIP, hostIP: '192.168.49.2', startTime: pod.status.startTime ?? nowIso() };
  const waitingAll = (reason: string, message: string, extra: (i: number) => Rec = () => ({})): Rec[] =>
    containers.map((c, i) => ({
      name: c.name,
      image: c.image,
      ready: false,
      started: false,
      restartCount: prevRestarts(pod.status, 'containerStatuses', i),
      state: { waiting: { reason, message } },
      ...extra(i),
    }));
  const restarting = (lastState: Rec, message: string): Rec[] =>
    containers.map((c, i) => ({
      name: c.name,
      image: c.image,
      ready: false,
      started: false,
      restartCount: prevRestarts(pod.status, 'containerStatuses', i) + (i === 0 ? 1 : 0),
      state:
        i === 0
          ? { waiting: { reason: 'CrashLoopBackOff', message } }
          : { running: { startedAt: base.startTime } },
      ...(i === 0 ? { lastState: { terminated: { ...lastState, finishedAt: nowIso() } } } : {}),
    }));
  const backoff = `back-off 10s restarting failed container=${cname} pod=${pod.name}`;
  const backoffEvent: FaultEvent = {
    type: 'Warning',
    reason: 'BackOff',
    message: `Back-off restarting failed container ${cname} in pod ${pod.name}`,
  };

  switch (fault.kind) {
    case 'crash': {
      const message =
        fault.reason === 'CrashLoopBackOff'
          ? backoff
          : fault.reason === 'CreateContainerConfigError'
            ? 'secret "app-secrets" not found'
            : `Back-off pulling image "${image}"`;
      if (fault.reason === 'CrashLoopBackOff') {
        return {
          status: {
            ...base,
            phase: 'Running',
            conditions: [scheduled, ...notReady()],
            containerStatuses: restarting({ exitCode: 1, reason: 'Error' }, message),
          },
          events: [backoffEvent],
          logs: fault.logLines ?? ['panic: configuration error: DATABASE_URL is not set', 'exit status 1'],
        };
      }
      const events: FaultEvent[] =
        fault.reason === 'CreateContainerConfigError'
          ? [{ type: 'Warning', reason: 'Failed', message: `Error: ${message}` }]
          : [
              { type: 'Warning', reason: 'Failed', message: `Failed to pull image "${image}": not found` },
              { type: 'Normal', reason: 'BackOff', message },
            ];
      return {
        status: {
          ...base,
          phase: 'Pending',
          conditions: [scheduled, ...notReady()],
          containerStatuses: waitingAll(fault.reason, message),
        },
        events,
      };
    }
    case 'exit':
      return {
        status: {
          ...base,
          phase: 'Running',
          conditions: [scheduled, ...notReady()],
          containerStatuses: restarting(
            {
              exitCode: fault.exitCode,
              reason: fault.reason ?? 'Error',
              ...(fault.terminationMessage ? { message: fault.terminationMessage } : {}),
            },
            backoff,
          ),
        },
        events: [backoffEvent],
        ...(fault.logLines ? { logs: fault.logLines } : {}),
      };
    case 'oom':
      return {
        status: {
          ...base,
          phase: 'Running',
          conditions: [scheduled, ...notReady()],
          containerStatuses: restarting({ exitCode: 137, reason: 'OOMKilled' }, backoff),
        },
        events: [backoffEvent],
        logs: ['loading dataset into memory', 'allocated 480Mi'],
      };
    case 'init-crash': {
      const inits = containerNames(pod.spec, 'initContainers');
      const initName = String(inits[0]?.name ?? 'init');
      return {
        status: {
          ...base,
          phase: 'Pending',
          conditions: [
            scheduled,
            {
              type: 'Initialized',
              status: 'False',
              reason: 'ContainersNotInitialized',
              message: `containers with incomplete status: [${initName}]`,
            },
            { type: 'Ready', status: 'False', reason: 'ContainersNotReady' },
          ],
          initContainerStatuses: inits.map((c, i) => ({
            name: c.name,
            image: c.image,
            ready: false,
            started: false,
            restartCount: prevRestarts(pod.status, 'initContainerStatuses', i) + (i === 0 ? 1 : 0),
            state:
              i === 0
                ? {
                    waiting: {
                      reason: 'CrashLoopBackOff',
                      message: `back-off 10s restarting failed container=${initName} pod=${pod.name}`,
                    },
                  }
                : { waiting: { reason: 'PodInitializing' } },
            ...(i === 0
              ? {
                  lastState: {
                    terminated: { exitCode: fault.exitCode ?? 1, reason: 'Error', finishedAt: nowIso() },
                  },
                }
              : {}),
          })),
          containerStatuses: waitingAll('PodInitializing', ''),
        },
        events: [
          {
            type: 'Warning',
            reason: 'BackOff',
            message: `Back-off restarting failed container ${initName} in pod ${pod.name}`,
          },
        ],
        ...(fault.logLines ? { logs: fault.logLines } : {}),
      };
    }
    case 'run-container-error':
      return {
        status: {
          ...base,
          phase: 'Running',
          conditions: [scheduled, ...notReady()],
          containerStatuses: waitingAll('RunContainerError', fault.message, () => ({
            lastState: {
              terminated: {
                exitCode: 128,
                reason: 'StartError',
                message: fault.message,
                finishedAt: nowIso(),
              },
            },
          })),
        },
        events: [{ type: 'Warning', reason: 'Failed', message: `Error: ${fault.message}` }],
      };
    case 'config-error':
      return {
        status: {
          ...base,
          phase: 'Pending',
          conditions: [scheduled, ...notReady()],
          containerStatuses: waitingAll('CreateContainerConfigError', fault.message),
        },
        events: [{ type: 'Warning', reason: 'Failed', message: `Error: ${fault.message}` }],
      };
    case 'image-pull':
      return {
        status: {
          ...base,
          phase: 'Pending',
          conditions: [scheduled, ...notReady()],
          containerStatuses: waitingAll('ImagePullBackOff', `Back-off pulling image "${image}"`),
        },
        events: [
          { type: 'Normal', reason: 'Pulling', message: `Pulling image "${image}"` },
          { type: 'Warning', reason: 'Failed', message: fault.message },
          { type: 'Warning', reason: 'Failed', message: 'Error: ErrImagePull' },
          { type: 'Normal', reason: 'BackOff', message: `Back-off pulling image "${image}"` },
          { type: 'Warning', reason: 'Failed', message: 'Error: ImagePullBackOff' },
        ],
      };
    case 'evicted':
      return {
        status: {
          phase: 'Failed',
          reason: 'Evicted',
          message: fault.message,
          startTime: base.startTime,
          conditions: [
            scheduled,
            {
              type: 'DisruptionTarget',
              status: 'True',
              reason: 'TerminationByKubelet',
              message: fault.message,
            },
          ],
          containerStatuses: containers.map((c) => ({
            name: c.name,
            image: c.image,
            ready: false,
            started: false,
            restartCount: 0,
            state: { terminated: { exitCode: 137, reason: 'ContainerStatusUnknown', finishedAt: nowIso() } },
          })),
        },
        events: [{ type: 'Warning', reason: 'Evicted', message: fault.message }],
      };
    case 'unschedulable':
      return {
        status: {
          phase: 'Pending',
          conditions: [
            { type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: fault.message },
          ],
        },
        events: fault.event ? [{ type: 'Warning', reason: 'FailedScheduling', message: fault.message }] : [],
      };
    case 'liveness':
      return {
        status: {
          ...base,
          phase: 'Running',
          conditions: [scheduled, ...notReady()],
          containerStatuses: restarting({ exitCode: 137, reason: 'Error' }, backoff),
        },
        events: [
          { type: 'Warning', reason: 'Unhealthy', message: fault.probeMessage },
          {
            type: 'Normal',
            reason: 'Killing',
            message: `Container ${cname} failed liveness probe, will be restarted`,
          },
        ],
        ...(fault.logLines ? { logs: fault.logLines } : {}),
      };
    case 'readiness':
      return {
        status: {
          ...base,
          phase: 'Running',
          conditions: [scheduled, ...notReady()],
          containerStatuses: containers.map((c, i) => ({
            name: c.name,
            image: c.image,
            ready: false,
            started: true,
            restartCount: prevRestarts(pod.status, 'containerStatuses', i),
            state: { running: { startedAt: base.startTime } },
          })),
        },
        events: [{ type: 'Warning', reason: 'Unhealthy', message: fault.probeMessage }],
        ...(fault.logLines ? { logs: fault.logLines } : {}),
      };
    case 'quota':
      // Handled by the controller (no pod exists to carry a status).
      return { status: pod.status, events: [] };
  }
}
