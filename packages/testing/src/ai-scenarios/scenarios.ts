// Broken workloads with the root cause an operator would name, each reproducible two ways: in the sandbox
// driver (failure words in the image) and on the wire against the Kubernetes API fixture (a fault the
// fixture's controller plays out, read back by the real Kubernetes driver). The suite, and the env-gated
// suites against real agents, run every scenario through the same runners below.
import type { RuleId, SlipwayContext } from '@slipway/ai';
import {
  type ClusterTarget,
  type DeploymentSpec,
  KubernetesWorkloads,
  SandboxWorkloads,
  type ServiceSpec,
  type WorkloadSnapshot,
} from '@slipway/drivers';
import { type K8sFixture, startK8sFixture, type WorkloadFault } from '../k8s-fixture/index.ts';

export type Expected = {
  rule: RuleId;
  /** The finding's machine-readable cause, when the rule distinguishes several. */
  cause?: string;
  /** Must match the first sentence of `analysis` (the root cause, named). */
  says: RegExp;
};

export type FixtureSetup = {
  /** Applied before the deployment exists (the pods are born broken). */
  before?: (fx: K8sFixture, spec: DeploymentSpec) => void;
  /** Applied after the deployment was created and its pods ran healthy once. */
  afterHealthy?: (fx: K8sFixture, spec: DeploymentSpec) => void | Promise<void>;
  /** Extra objects or patches once the deployment exists (services, PVCs, template changes). */
  after?: (fx: K8sFixture, spec: DeploymentSpec) => void | Promise<void>;
  /** When the fixture has played the fault out (default: pods exist and none is still ContainerCreating). */
  settled?: (s: WorkloadSnapshot) => boolean;
};

export type Scenario = {
  id: string;
  title: string;
  issue?: string;
  expect: Expected;
  /** Sandbox: the image whose failure word reproduces it, plus services recorded for the deployment. */
  sandbox: { image: string; services?: string[] };
  fixture: FixtureSetup;
  /** What Slipway knows, for the scenarios that are about it. */
  context?: (spec: DeploymentSpec) => SlipwayContext;
};

const crash = (logLines: string[]): WorkloadFault => ({
  kind: 'crash',
  reason: 'CrashLoopBackOff',
  logLines,
});

const DEFAULT_CONTEXT = (spec: DeploymentSpec): SlipwayContext => ({
  deploymentId: spec.id,
  cluster: { id: 'c0ffee00-0000-4000-8000-000000000001', name: 'local-dev', status: 'running' },
  image: { current: spec.image },
});

async function patchDeployment(fx: K8sFixture, spec: DeploymentSpec, body: unknown): Promise<void> {
  const res = await fetch(`${fx.url}/apis/apps/v1/namespaces/${spec.namespace}/deployments/${spec.name}`, {
    method: 'PATCH',
    headers: { 'content-type': 'application/merge-patch+json' },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`patch deployment ${spec.name}: HTTP ${res.status} ${await res.text()}`);
}

const SCHEDULER = {
  cpu: '0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.',
  taint:
    '0/1 nodes are available: 1 node(s) had untolerated taint {dedicated: gpu}. preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling.',
  pvc: '0/1 nodes are available: pod has unbound immediate PersistentVolumeClaims. preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling.',
};

export const SCENARIOS: Scenario[] = [
  {
    id: 'crash-missing-env',
    title: 'crash loop: a required environment variable is missing',
    issue: 'pod not ready',
    expect: { rule: 'crash-loop-backoff', cause: 'missing-env', says: /CrashLoopBackOff.*DATABASE_URL/ },
    sandbox: { image: 'todo/api-crash:1.0' },
    fixture: {
      before: (fx, s) =>
        fx.breakWorkload(s.name, crash(['Error: missing required environment variable DATABASE_URL'])),
    },
  },
  {
    id: 'oom-killed',
    title: 'crash loop: OOMKilled at the memory limit',
    expect: { rule: 'crash-loop-backoff', cause: 'oom', says: /OOMKilled \(exit code 137\)/ },
    sandbox: { image: 'todo/api-oom-kill:1.0' },
    fixture: { before: (fx, s) => fx.breakWorkload(s.name, { kind: 'oom' }) },
  },
  {
    id: 'image-tag-missing',
    title: 'image pull: the tag does not exist',
    expect: { rule: 'image-pull', cause: 'tag-not-found', says: /tag "9\.9\.9".*does not exist/ },
    sandbox: { image: 'docker.io/todo/api-no-such-tag:9.9.9' },
    fixture: {
      before: (fx, s) =>
        fx.breakWorkload(s.name, {
          kind: 'image-pull',
          message: `Failed to pull image "${s.image}": rpc error: code = NotFound desc = failed to pull and unpack image "${s.image}": failed to resolve reference "${s.image}": ${s.image}: not found`,
        }),
    },
  },
  {
    id: 'image-pull-auth',
    title: 'image pull: private repository without credentials',
    expect: { rule: 'image-pull', cause: 'access-denied', says: /requires credentials/ },
    sandbox: { image: 'registry.example.com/private/api-pull-fail:1.0' },
    fixture: {
      before: (fx, s) =>
        fx.breakWorkload(s.name, {
          kind: 'image-pull',
          message: `Failed to pull image "${s.image}": rpc error: code = Unknown desc = failed to pull and unpack image "${s.image}": failed to resolve reference "${s.image}": pull access denied, repository does not exist or may require authorization: authorization failed: no basic auth credentials`,
        }),
    },
  },
  {
    id: 'missing-secret',
    title: 'container config: the Secret does not exist',
    expect: { rule: 'create-container-config', cause: 'secret', says: /Secret "app-env" does not exist/ },
    sandbox: { image: 'todo/api-missing-env:1.0' },
    fixture: {
      before: (fx, s) =>
        fx.breakWorkload(s.name, { kind: 'config-error', message: 'secret "app-env" not found' }),
    },
  },
  {
    id: 'missing-configmap',
    title: 'container config: the ConfigMap does not exist',
    expect: {
      rule: 'create-container-config',
      cause: 'configmap',
      says: /ConfigMap "app-config" does not exist/,
    },
    sandbox: { image: 'todo/api-missing-configmap:1.0' },
    fixture: {
      before: (fx, s) =>
        fx.breakWorkload(s.name, { kind: 'config-error', message: 'configmap "app-config" not found' }),
    },
  },
  {
    id: 'insufficient-cpu',
    title: 'unschedulable: not enough CPU on the node',
    expect: {
      rule: 'pending-unschedulable',
      cause: 'insufficient-cpu',
      says: /cannot be scheduled: not enough CPU/,
    },
    sandbox: { image: 'todo/api-cpu-hog:1.0' },
    fixture: {
      before: (fx, s) =>
        fx.breakWorkload(s.name, { kind: 'unschedulable', message: SCHEDULER.cpu, event: true }),
      settled: pendingSettled,
    },
  },
  {
    id: 'taint-condition-only',
    title: 'unschedulable: a node taint, reported only in the PodScheduled condition',
    expect: { rule: 'pending-unschedulable', cause: 'taint', says: /taints.*dedicated=gpu:NoSchedule/ },
    sandbox: { image: 'todo/api-tainted:1.0' },
    fixture: {
      before: (fx, s) => {
        fx.setNodeTaints([{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }]);
        fx.breakWorkload(s.name, { kind: 'unschedulable', message: SCHEDULER.taint });
      },
      settled: pendingSettled,
    },
  },
  {
    id: 'pvc-pending',
    title: 'unschedulable: the PersistentVolumeClaim is not bound (no such StorageClass)',
    expect: { rule: 'pending-unschedulable', cause: 'volume', says: /PersistentVolumeClaim \S+ is Pending/ },
    sandbox: { image: 'todo/api-pvc-pending:1.0' },
    fixture: {
      before: (fx, s) =>
        fx.breakWorkload(s.name, { kind: 'unschedulable', message: SCHEDULER.pvc, event: true }),
      after: async (fx, s) => {
        const claim = `${s.name}-data`;
        const pvc = fx.createObject('persistentvolumeclaims', s.namespace, {
          metadata: { name: claim },
          spec: {
            accessModes: ['ReadWriteOnce'],
            storageClassName: 'fast-ssd',
            resources: { requests: { storage: '10Gi' } },
          },
        });
        fx.createObject('events', s.namespace, {
          metadata: { name: `${claim}.provisioning` },
          involvedObject: {
            kind: 'PersistentVolumeClaim',
            namespace: s.namespace,
            name: claim,
            uid: pvc.metadata.uid,
          },
          reason: 'ProvisioningFailed',
          message: 'storageclass.storage.k8s.io "fast-ssd" not found',
          type: 'Warning',
          count: 1,
          lastTimestamp: new Date().toISOString(),
        });
        await patchDeployment(fx, s, {
          spec: {
            template: { spec: { volumes: [{ name: 'data', persistentVolumeClaim: { claimName: claim } }] } },
          },
        });
      },
      settled: pendingSettled,
    },
  },
  {
    id: 'liveness-failing',
    title: 'liveness probe: the health endpoint answers 500, the kubelet keeps restarting',
    expect: { rule: 'liveness-failure', cause: 'probe-failing', says: /Liveness probe fails/ },
    sandbox: { image: 'todo/api-liveness:1.0' },
    fixture: {
      before: (fx, s) =>
        fx.breakWorkload(s.name, {
          kind: 'liveness',
          probeMessage: 'Liveness probe failed: HTTP probe failed with statuscode: 500',
          logLines: ['GET /healthz 500 (database pool exhausted: 0 of 10 connections free)'],
        }),
    },
  },
  {
    id: 'slow-warmup-liveness',
    title: 'liveness probe kills a slow warm-up: a startup probe is missing',
    expect: { rule: 'liveness-failure', cause: 'slow-start', says: /while it is still warming up/ },
    sandbox: { image: 'todo/api-warmup:1.0' },
    fixture: {
      before: (fx, s) =>
        fx.breakWorkload(s.name, {
          kind: 'liveness',
          probeMessage:
            'Liveness probe failed: Get "http://10.244.0.12:8080/healthz": context deadline exceeded (Client.Timeout exceeded while awaiting headers)',
          logLines: [
            'Starting application (pid 1)',
            'Warming cache: 0 of 48210 entries loaded',
            'Warming cache: 1206 of 48210 entries loaded',
            'Received SIGTERM, shutting down',
          ],
        }),
    },
  },
  {
    id: 'readiness-timeout',
    title: 'readiness probe times out: 0/2 replicas available is the symptom, not the cause',
    issue: 'only 0/2 replicas available',
    expect: { rule: 'readiness-failure', says: /not ready: readiness probe failed/ },
    sandbox: { image: 'todo/api-slow:1.0' },
    fixture: {
      before: (fx, s) =>
        fx.breakWorkload(s.name, {
          kind: 'readiness',
          probeMessage:
            'Readiness probe failed: Get "http://10.244.0.13:8080/healthz": context deadline exceeded (Client.Timeout exceeded while awaiting headers)',
          logLines: ['Starting application (pid 1)', 'GET /healthz 503 (cache warm-up 2% complete)'],
        }),
    },
  },
  {
    id: 'init-container-fails',
    title: 'init container: the migration fails, the app never starts',
    expect: { rule: 'init-container-failure', says: /Init container migrate .* fails/ },
    sandbox: { image: 'todo/api-init-fail:1.0' },
    fixture: {
      before: (fx, s) =>
        fx.breakWorkload(s.name, {
          kind: 'init-crash',
          logLines: [
            'Running database migrations (12 pending)',
            'Applying 0007_add_users_table',
            'Error: relation "users" already exists',
            'migration 0007_add_users_table failed; aborting',
          ],
        }),
      after: (fx, s) =>
        patchDeployment(fx, s, {
          spec: {
            template: {
              spec: { initContainers: [{ name: 'migrate', image: s.image, command: ['/app/migrate'] }] },
            },
          },
        }),
      settled: (snap) => snap.pods.some((p) => (p.initContainers ?? []).some((c) => c.restartCount > 0)),
    },
  },
  {
    id: 'evicted-disk',
    title: 'evicted pods: the node ran low on ephemeral storage (not an OOM kill)',
    expect: { rule: 'pod-evicted', cause: 'ephemeral-storage', says: /evicted .* not an OOM kill/ },
    sandbox: { image: 'todo/api-evicted:1.0' },
    fixture: {
      before: (fx, s) =>
        fx.breakWorkload(s.name, {
          kind: 'evicted',
          message:
            'The node was low on resource: ephemeral-storage. Threshold quantity: 1Gi, available: 812Mi. Container app was using 3Gi, request is 0, has larger consumption of ephemeral-storage.',
        }),
    },
  },
  {
    id: 'node-memory-pressure',
    title: 'node memory pressure evicts the pods',
    expect: { rule: 'node-pressure', cause: 'MemoryPressure', says: /under MemoryPressure/ },
    sandbox: { image: 'todo/api-mem-pressure:1.0' },
    fixture: {
      before: (fx, s) => {
        fx.setNodeCondition(
          'MemoryPressure',
          'True',
          'KubeletHasInsufficientMemory',
          'kubelet has insufficient memory available',
        );
        fx.breakWorkload(s.name, {
          kind: 'evicted',
          message:
            'The node was low on resource: memory. Threshold quantity: 100Mi, available: 62Mi. Container app was using 310Mi, request is 0, has larger consumption of memory.',
        });
      },
    },
  },
  {
    id: 'node-not-ready',
    title: 'the node went NotReady under running pods',
    expect: { rule: 'node-not-ready', says: /Node \S+ is NotReady/ },
    sandbox: { image: 'todo/api-node-down:1.0' },
    fixture: {
      afterHealthy: (fx) =>
        fx.setNodeCondition('Ready', 'Unknown', 'NodeStatusUnknown', 'Kubelet stopped posting node status.'),
      settled: (snap) =>
        snap.pods.length > 0 && snap.pods.every((p) => !p.ready) && snap.nodes?.[0]?.ready === false,
    },
  },
  {
    id: 'run-container-error',
    title: 'RunContainerError: the command does not exist in the image',
    expect: {
      rule: 'run-container-error',
      cause: 'command-not-found',
      says: /\/app\/server does not exist in the image/,
    },
    sandbox: { image: 'todo/api-run-error:1.0' },
    fixture: {
      before: (fx, s) =>
        fx.breakWorkload(s.name, {
          kind: 'run-container-error',
          message:
            'failed to create containerd task: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: exec: "/app/server": stat /app/server: no such file or directory: unknown',
        }),
    },
  },
  {
    id: 'quota-exceeded',
    title: 'ResourceQuota: the ReplicaSet cannot create any pod (FailedCreate)',
    expect: {
      rule: 'quota-exceeded',
      cause: 'resource-quota',
      says: /ResourceQuota compute-quota is exhausted/,
    },
    sandbox: { image: 'todo/api-quota:1.0' },
    fixture: {
      before: (fx, s) =>
        fx.breakWorkload(s.name, {
          kind: 'quota',
          message: `pods "${s.name}-6f7b9c8d4-x2x9q" is forbidden: exceeded quota: compute-quota, requested: limits.memory=512Mi, used: limits.memory=2Gi, limited: limits.memory=2Gi`,
        }),
      settled: (snap) => snap.events.some((e) => e.reason === 'FailedCreate'),
    },
  },
  {
    id: 'termination-message-only',
    title: 'crash loop whose cause is only in lastState.terminated.message',
    expect: { rule: 'crash-loop-backoff', cause: 'termination-message', says: /\/etc\/app\/config\.yaml/ },
    sandbox: { image: 'todo/api-exit-msg:1.0' },
    fixture: {
      before: (fx, s) =>
        fx.breakWorkload(s.name, {
          kind: 'exit',
          exitCode: 2,
          terminationMessage: 'open /etc/app/config.yaml: no such file or directory',
        }),
    },
  },
  ...logScenarios(),
  {
    id: 'service-selector-mismatch',
    title: 'a service whose selector matches no pod',
    issue: 'service returns 503',
    expect: {
      rule: 'service-selector-mismatch',
      cause: 'selector-mismatch',
      says: /selects \{app=\S+\}, which matches no pod/,
    },
    sandbox: { image: 'todo/api:1.4.2', services: ['api-wrong-selector'] },
    fixture: {
      after: (fx, s) => {
        fx.createObject('services', s.namespace, {
          metadata: { name: `${s.name}-svc`, labels: { 'slipway.dev/deployment-id': s.id } },
          spec: { type: 'ClusterIP', selector: { app: s.name }, ports: [{ port: 80, targetPort: 8080 }] },
        });
      },
      settled: (snap) => running(snap) && (snap.services?.length ?? 0) > 0,
    },
  },
  {
    id: 'image-change-crash',
    title: 'crash loop since the image changed (Slipway knows the previous image)',
    expect: {
      rule: 'crash-loop-backoff',
      says: /failing since the image changed from todo\/api:1\.9\.0 to todo\/api-crash:2\.0\.0/,
    },
    sandbox: { image: 'todo/api-crash:2.0.0' },
    fixture: {
      before: (fx, s) => fx.breakWorkload(s.name, crash(['panic: unknown flag --listen-addr'])),
    },
    context: (spec) => ({
      ...DEFAULT_CONTEXT(spec),
      image: { current: spec.image, previous: 'todo/api:1.9.0', changedAt: '2026-12-01T09:00:00.000Z' },
    }),
  },
  {
    id: 'cluster-stopped',
    title: 'the cluster is stopped: never "Running"',
    expect: { rule: 'cluster-not-running', cause: 'stopped', says: /Cluster local-dev is stopped/ },
    sandbox: { image: 'todo/api:1.4.2' },
    fixture: {},
    context: (spec) => ({
      ...DEFAULT_CONTEXT(spec),
      cluster: { id: 'c0ffee00-0000-4000-8000-000000000001', name: 'local-dev', status: 'stopped' },
    }),
  },
  {
    id: 'service-recorded-failure',
    title: 'the service failed (Slipway recorded the error), pods are fine',
    expect: {
      rule: 'service-failed',
      cause: 'load-balancer',
      says: /Service api-lb failed: SyncLoadBalancerFailed/,
    },
    sandbox: { image: 'todo/api:1.4.2' },
    fixture: {},
    context: (spec) => ({
      ...DEFAULT_CONTEXT(spec),
      services: [
        {
          id: '5e41ce00-0000-4000-8000-000000000002',
          name: 'api-lb',
          type: 'LoadBalancer',
          status: 'failed',
          error:
            'SyncLoadBalancerFailed: Error syncing load balancer: failed to ensure load balancer for service default/api-lb',
        },
      ],
    }),
  },
];

function logScenarios(): Scenario[] {
  const mk = (
    id: string,
    word: string,
    cause: string,
    says: RegExp,
    lines: string[],
    title: string,
  ): Scenario => ({
    id,
    title,
    expect: { rule: 'crash-loop-backoff', cause, says },
    sandbox: { image: `todo/api-${word}:1.0` },
    fixture: { before: (fx, s) => fx.breakWorkload(s.name, crash(lines)) },
  });
  return [
    mk(
      'log-connection-refused',
      'conn-refused',
      'connection-refused',
      /refusing connections \(10\.96\.120\.15:5432/,
      ['Connecting to postgres at postgres:5432', 'Error: connect ECONNREFUSED 10.96.120.15:5432'],
      'crash loop: the database refuses connections',
    ),
    mk(
      'log-dns',
      'dns-fail',
      'dns',
      /host "redis\.cache\.svc\.cluster\.local" does not resolve/,
      ['Error: getaddrinfo ENOTFOUND redis.cache.svc.cluster.local'],
      'crash loop: a host name does not resolve',
    ),
    mk(
      'log-permission',
      'perm-denied',
      'permission-denied',
      /permission denied on \/data\/app\.db/,
      ["Error: EACCES: permission denied, open '/data/app.db'"],
      'crash loop: permission denied on the data file',
    ),
    mk(
      'log-address-in-use',
      'port-clash',
      'address-in-use',
      /port 8080 already being in use/,
      ['Error: listen EADDRINUSE: address already in use :::8080'],
      'crash loop: the port is already in use',
    ),
    mk(
      'log-go-panic',
      'panic',
      'panic',
      /panic: runtime error: invalid memory address/,
      [
        'starting server on :8080',
        'panic: runtime error: invalid memory address or nil pointer dereference',
        'goroutine 1 [running]:',
      ],
      'crash loop: a Go panic',
    ),
    mk(
      'log-python-traceback',
      'traceback',
      'traceback',
      /ModuleNotFoundError: No module named 'flask'/,
      [
        'Traceback (most recent call last):',
        '  File "/app/main.py", line 3, in <module>',
        '    import flask',
        "ModuleNotFoundError: No module named 'flask'",
      ],
      'crash loop: an uncaught Python exception',
    ),
  ];
}

export type HealthyScenario = { id: string; image: string; services?: string[] };

export const HEALTHY: HealthyScenario[] = [
  { id: 'healthy-plain', image: 'todo/api:1.4.2' },
  { id: 'healthy-with-service', image: 'todo/web:2.0.1', services: ['web'] },
];

/**
 * Healthy and settled: every pod ready AND the deployment's status caught up (the driver reads the
 * deployment and its pods in separate requests, so one read can see ready pods and an old status).
 */
export function running(s: WorkloadSnapshot): boolean {
  return (
    s.pods.length > 0 &&
    s.pods.every((p) => p.ready) &&
    s.deployment.phase === 'running' &&
    s.deployment.availableReplicas === s.deployment.desiredReplicas
  );
}

function pendingSettled(s: WorkloadSnapshot): boolean {
  return (
    s.pods.length > 0 &&
    s.pods.every((p) => p.conditions?.some((c) => c.type === 'PodScheduled' && c.status === 'False'))
  );
}

function defaultSettled(s: WorkloadSnapshot): boolean {
  return (
    s.pods.length > 0 &&
    s.pods.every(
      (p) =>
        p.containers.length > 0 &&
        p.containers.every((c) => c.reason !== 'ContainerCreating') &&
        (p.phase !== 'Running' || !p.ready || p.containers.every((c) => c.state === 'running')),
    ) &&
    s.events.some((e) => e.type === 'Warning')
  );
}

let seq = 0;
export function specFor(id: string, image: string, replicas = 2): DeploymentSpec {
  seq++;
  const hex = seq.toString(16).padStart(12, '0');
  return {
    id: `00000000-0000-4000-8000-${hex}`,
    name: id
      .slice(0, 40)
      .replace(/[^a-z0-9-]/g, '-')
      .replace(/-+$/, ''),
    namespace: 'default',
    replicas,
    image,
    containerPort: 8080,
  };
}

export function serviceSpecs(spec: DeploymentSpec, names: string[] = []): ServiceSpec[] {
  return names.map((name, i) => ({
    id: `5e000000-0000-4000-8000-${String(i + 1).padStart(12, '0')}`,
    name,
    namespace: spec.namespace,
    type: 'ClusterIP',
    port: 80,
    targetPort: spec.containerPort,
    protocol: 'TCP',
    deploymentId: spec.id,
    deploymentName: spec.name,
  }));
}

/** A scenario's snapshot from the sandbox driver (clock fixed, so every run is identical). */
export async function sandboxSnapshot(
  scenario: Pick<Scenario, 'id' | 'sandbox'>,
): Promise<{ spec: DeploymentSpec; snapshot: WorkloadSnapshot }> {
  const workloads = new SandboxWorkloads({ now: () => Date.parse('2026-12-01T10:00:00Z') });
  const spec = specFor(scenario.id, scenario.sandbox.image);
  const target: ClusterTarget = {
    clusterId: 'c0ffee00-0000-4000-8000-000000000001',
    name: 'local-dev',
    context: 'local-dev',
  };
  const snapshot = await workloads.inspect(target, spec, serviceSpecs(spec, scenario.sandbox.services));
  return { spec, snapshot };
}

const NO_SIGNAL = new AbortController().signal;
const opCtx = {
  operationId: 'scenario',
  attempt: 1,
  signal: NO_SIGNAL,
  log: () => {},
};

/**
 * A scenario played out on its own Kubernetes API fixture and read back by the real Kubernetes driver.
 * Polls the driver's snapshot until the fixture's controller has settled the fault (bounded).
 */
export async function fixtureSnapshot(
  scenario: Pick<Scenario, 'id' | 'sandbox' | 'fixture'>,
): Promise<{ spec: DeploymentSpec; snapshot: WorkloadSnapshot; fx: K8sFixture }> {
  const fx = await startK8sFixture({ tickMs: 5 });
  try {
    const workloads = new KubernetesWorkloads({ kubeconfigYaml: fx.kubeconfigYaml, pollIntervalMs: 5 });
    const target: ClusterTarget = { clusterId: 'fixture', name: 'minikube', context: fx.context };
    const spec = specFor(scenario.id, scenario.sandbox.image);
    const f = scenario.fixture;
    f.before?.(fx, spec);
    await workloads.applyDeployment(target, spec, opCtx);
    if (f.afterHealthy) {
      await waitFor(() => workloads.inspect(target, spec), running);
      await f.afterHealthy(fx, spec);
    }
    await f.after?.(fx, spec);
    const settled = f.settled ?? (f.before ? defaultSettled : running);
    const snapshot = await waitFor(() => workloads.inspect(target, spec), settled);
    return { spec, snapshot, fx };
  } catch (e) {
    await fx.close();
    throw e;
  }
}

/** Re-reads until `done` holds; after 1000 reads (about 10 s) returns the last one as is. */
async function waitFor<T>(read: () => Promise<T>, done: (v: T) => boolean): Promise<T> {
  let last = await read();
  for (let i = 0; i < 1000 && !done(last); i++) {
    await new Promise((r) => setTimeout(r, 10));
    last = await read();
  }
  return last;
}

export function contextFor(scenario: Pick<Scenario, 'context'>, spec: DeploymentSpec): SlipwayContext {
  return scenario.context ? scenario.context(spec) : DEFAULT_CONTEXT(spec);
}
