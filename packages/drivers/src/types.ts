// Driver interfaces: what a worker can ask of the outside world. Adapters (sandbox, docker, minikube,
// kubernetes, helm) implement them; nothing here knows of Postgres, BullMQ or HTTP.

/** Thrown by every adapter. `retryable` decides between backoff-and-retry and failing the operation at once. */
export class DriverError extends Error {
  readonly code: string;
  readonly retryable: boolean;
  constructor(code: string, message: string, opts: { retryable?: boolean; cause?: unknown } = {}) {
    super(message, { cause: opts.cause });
    this.name = 'DriverError';
    this.code = code;
    this.retryable = opts.retryable ?? false;
  }
}

/** Per-call context: the operation it serves, cancellation, and a sink for log lines (become operation events). */
export type OpContext = {
  operationId: string;
  /** 1 on the first execution of this operation, 2 on the first retry, ... */
  attempt: number;
  signal: AbortSignal;
  log: (message: string) => void;
  progress?: (percent: number) => void;
};

export type ImageSourceSpec = { git: string; ref?: string; path?: string } | { path: string };

export type ImageSpec = {
  id: string;
  name: string;
  tag: string;
  repository: string;
  source?: ImageSourceSpec | null;
  dockerfile?: string | null;
  buildArgs?: Record<string, string> | null;
  push?: boolean;
};

export type ImageResult = { imageId: string; digest: string | null; size: number };

export interface ImageBuilder {
  readonly kind: string;
  /** Build from `source`, or without one resolve `repository/name:tag` from the engine (inspect, pull if missing). */
  build(spec: ImageSpec, ctx: OpContext): Promise<ImageResult>;
  /** Tag the image `from` (a full reference) as `to` as well; returns the inspected result of `to`. */
  retag(from: string, to: string, ctx: OpContext): Promise<ImageResult>;
  /** Remove a reference from the engine; absent is success. */
  remove(ref: string, ctx: OpContext): Promise<void>;
  push(ref: string, ctx: OpContext): Promise<void>;
}

export type ClusterSpec = {
  id: string;
  /** The user's name for the cluster (unique per owner only). Never a host-global identifier: the
   * minikube profile is `minikubeProfile(id)`. */
  name: string;
  kind: 'minikube' | 'kubeconfig';
  cpus: number;
  memory: number;
  diskSize: number;
  kubernetesVersion: string;
  /** kubeconfig context (for kind=kubeconfig, the allowlisted context; for minikube, ignored: the profile is derived from `id`). */
  kubeContext?: string | null;
};

export type ClusterObservation = {
  status: 'running' | 'stopped' | 'absent' | 'error';
  kubeContext: string;
  detail?: string;
};

export interface ClusterProvisioner {
  readonly kind: string;
  start(spec: ClusterSpec, ctx: OpContext): Promise<ClusterObservation>;
  stop(spec: ClusterSpec, ctx: OpContext): Promise<ClusterObservation>;
  delete(spec: ClusterSpec, ctx: OpContext): Promise<void>;
  /** Re-reads the real state (never assumed from the last command). */
  status(spec: ClusterSpec, ctx: OpContext): Promise<ClusterObservation>;
  loadImage(spec: ClusterSpec, imageRef: string, ctx: OpContext): Promise<void>;
}

/** Where workloads go: a cluster's kubeconfig context. */
export type ClusterTarget = { clusterId: string; name: string; context: string };

export type DeploymentSpec = {
  id: string;
  name: string;
  namespace: string;
  replicas: number;
  image: string;
  containerPort: number;
};

export type ServiceSpec = {
  id: string;
  name: string;
  namespace: string;
  type: 'ClusterIP' | 'NodePort' | 'LoadBalancer';
  port: number;
  targetPort: number;
  protocol: string;
  /** The deployment whose pods the service selects. */
  deploymentId: string;
  deploymentName: string;
};

export type DeploymentObservation = {
  phase: 'running' | 'progressing' | 'failed' | 'absent';
  desiredReplicas: number;
  availableReplicas: number;
  reason?: string;
};

export type ServiceObservation = {
  phase: 'active' | 'pending' | 'failed' | 'absent';
  reason?: string;
  clusterIp?: string;
  ingress?: string[];
};

/** How a container instance ended (`state.terminated` or `lastState.terminated`). */
export type TerminationInfo = {
  reason?: string;
  exitCode?: number;
  /** The termination message the process wrote (terminationMessagePath) or the runtime's error. */
  message?: string;
  finishedAt?: string;
};

export type ContainerStatus = {
  name: string;
  ready: boolean;
  restartCount: number;
  state: 'running' | 'waiting' | 'terminated';
  reason?: string;
  message?: string;
  exitCode?: number;
  /** The image the container runs. */
  image?: string;
  /** The previous instance's termination (what a crash loop died of). */
  lastState?: TerminationInfo;
};

/** A status condition (pod, deployment, node): `type` + `status` + why. */
export type Condition = {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason?: string;
  message?: string;
};

export type PodSnapshot = {
  name: string;
  phase: 'Pending' | 'Running' | 'Succeeded' | 'Failed' | 'Unknown';
  ready: boolean;
  containers: ContainerStatus[];
  /** Init containers, in order; absent when the pod has none. */
  initContainers?: ContainerStatus[];
  /** `status.reason`, e.g. `Evicted`, `NodeLost`. */
  reason?: string;
  /** `status.message`, e.g. "The node was low on resource: memory." */
  statusMessage?: string;
  /** PodScheduled, Initialized, ContainersReady, Ready (as the cluster reports them). */
  conditions?: Condition[];
  nodeName?: string;
  /** Usage and requests in millicores / MiB; null when metrics are unavailable. */
  cpuMillicores: number | null;
  memoryMiB: number | null;
  cpuRequestMillicores: number | null;
  memoryRequestMiB: number | null;
  cpuLimitMillicores: number | null;
  memoryLimitMiB: number | null;
};

/** A Service that selects (or is meant to select) the workload's pods, with its endpoint counts. */
export type ServiceSnapshot = {
  name: string;
  type: string;
  selector: Record<string, string>;
  /** Whether the selector matches the deployment's pod template labels. */
  selectsWorkload: boolean;
  readyEndpoints: number;
  notReadyEndpoints: number;
  /** `targetPort`s of the service, when numeric. */
  targetPorts?: number[];
};

export type Taint = { key: string; value?: string; effect: string };

/** A node the workload's pods run on (or every node, when none is scheduled). */
export type NodeSnapshot = {
  name: string;
  /** Ready condition; null when the node does not report one. */
  ready: boolean | null;
  conditions: Condition[];
  taints: Taint[];
  unschedulable?: boolean;
  allocatable: { cpuMillicores: number; memoryMiB: number };
};

export type PvcSnapshot = {
  name: string;
  phase: string;
  storageClass?: string;
  requested?: string;
};

export type K8sEvent = {
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
  object: string;
  at: string;
};

export type WorkloadSnapshot = {
  deployment: DeploymentObservation;
  pods: PodSnapshot[];
  /** Events of the deployment, its ReplicaSets, its pods and its PVCs, oldest first. */
  events: K8sEvent[];
  /** Last lines of logs of the first unhealthy container, when available. */
  logs?: string[];
  /** The image of the deployment's pod template (what the cluster runs, not what was asked). */
  image?: string;
  /** Labels of the pod template (what a service selector must match). */
  podLabels?: Record<string, string>;
  /** Deployment conditions (Available, Progressing, ReplicaFailure). */
  conditions?: Condition[];
  /** Services that select the workload, or were created for it and select nothing. */
  services?: ServiceSnapshot[];
  /** Nodes the pods are on; every node when no pod is scheduled. */
  nodes?: NodeSnapshot[];
  /** PersistentVolumeClaims the pod template mounts. */
  pvcs?: PvcSnapshot[];
};

export type ClusterSnapshot = {
  nodes: {
    name: string;
    cpuMillicores: number;
    memoryMiB: number;
    ready?: boolean | null;
    conditions?: Condition[];
    taints?: Taint[];
  }[];
  workloads: (WorkloadSnapshot & { name: string; namespace: string })[];
};

/** What a server-side dry run of a change answered (nothing was persisted). */
export type DryRunResult = {
  /** The API server admitted the change. */
  accepted: boolean;
  /** What the object would be: replicas after a scale. */
  replicas?: number;
  /** The server's refusal, or how the dry run was done. */
  detail?: string;
  /** True when the API server itself ran it (dryRun=All); false for a simulation (the sandbox). */
  serverSide: boolean;
};

export interface Workloads {
  readonly kind: string;
  /** The scale as the API server would admit it, persisting nothing (dryRun=All); optional per driver. */
  dryRunScale?(target: ClusterTarget, spec: DeploymentSpec, ctx: OpContext): Promise<DryRunResult>;
  /** Server-side apply of the Deployment (field manager `slipway`, labels tying it to `spec.id`). */
  applyDeployment(target: ClusterTarget, spec: DeploymentSpec, ctx: OpContext): Promise<void>;
  scaleDeployment(target: ClusterTarget, spec: DeploymentSpec, ctx: OpContext): Promise<void>;
  /** Watches (or polls) until the rollout settles (running/failed) or `timeoutMs` passes (progressing). */
  waitDeployment(
    target: ClusterTarget,
    spec: DeploymentSpec,
    ctx: OpContext,
    timeoutMs: number,
  ): Promise<DeploymentObservation>;
  deleteDeployment(
    target: ClusterTarget,
    spec: Pick<DeploymentSpec, 'id' | 'name' | 'namespace'>,
    ctx: OpContext,
  ): Promise<void>;
  applyService(target: ClusterTarget, spec: ServiceSpec, ctx: OpContext): Promise<void>;
  waitService(
    target: ClusterTarget,
    spec: ServiceSpec,
    ctx: OpContext,
    timeoutMs: number,
  ): Promise<ServiceObservation>;
  deleteService(
    target: ClusterTarget,
    spec: Pick<ServiceSpec, 'id' | 'name' | 'namespace'>,
    ctx: OpContext,
  ): Promise<void>;
  /**
   * Pods (init containers, conditions, last states), events (deployment, ReplicaSets, pods, PVCs), usage,
   * logs, the services selecting the workload with their endpoints, its nodes and PVCs (AI debug).
   * `services`: the Slipway services recorded for the deployment; a driver that can list the cluster's
   * own services reads those instead (the sandbox, which keeps no state, needs them). `signal`: the
   * operation's; aborting it aborts the reads in flight (a cancelled AI debug stops at once).
   */
  inspect(
    target: ClusterTarget,
    spec: DeploymentSpec,
    services?: ServiceSpec[],
    signal?: AbortSignal,
  ): Promise<WorkloadSnapshot>;
  /** Node capacity and every listed deployment's snapshot (AI analyze); `services`, `signal` as for `inspect`. */
  clusterSnapshot(
    target: ClusterTarget,
    deployments: DeploymentSpec[],
    services?: ServiceSpec[],
    signal?: AbortSignal,
  ): Promise<ClusterSnapshot>;
}

export type ChartFinding = { severity: 'error' | 'warning' | 'info'; message: string; path?: string };

export type ChartSpec = {
  id: string;
  name: string;
  version: string;
  appVersion?: string | null;
  description?: string | null;
  /** Uploaded chart archive (.tgz); absent means "scaffold from this record". */
  content?: Buffer | null;
};

export type ChartValues = {
  image: string;
  replicas: number;
  containerPort: number;
  /** Slipway deployment id: the chart labels its pods with it so the Kubernetes driver can select them. */
  deploymentId?: string;
};

export type ChartValidation = { valid: boolean; validator: 'helm' | 'structural'; findings: ChartFinding[] };

/** One object of a chart's rendered manifest and what the dry run said of it. */
export type ChartDryRunObject = {
  apiVersion: string;
  kind: string;
  name: string;
  /** Absent for cluster-scoped objects. */
  namespace?: string;
  /** Admitted by the API server (dryRun=All); null when it could not be asked (see `detail`). */
  accepted: boolean | null;
  detail?: string;
};

/** What a dry run of a chart install answered (nothing was persisted). */
export type ChartDryRunResult = DryRunResult & {
  /** `install` when the release does not exist yet, `upgrade` when it does. */
  action?: 'install' | 'upgrade';
  /** The objects the install would create or change, in manifest order. */
  resources: ChartDryRunObject[];
};

export interface ChartTool {
  readonly kind: string;
  validate(chart: ChartSpec, ctx: OpContext): Promise<ChartValidation>;
  /**
   * The install as the cluster would take it, persisting nothing: accepted, or the refusal it would meet
   * (invalid values, a resource owned by something else, an API server or admission refusal). Throws only
   * what may pass on a retry (cluster unreachable, cancelled). Optional per driver.
   */
  dryRunInstall?(
    target: ClusterTarget,
    chart: ChartSpec,
    release: { name: string; namespace: string; values: ChartValues },
    ctx: OpContext,
  ): Promise<ChartDryRunResult>;
  /** `helm upgrade --install --wait` of the chart as release `release` into `namespace`. */
  install(
    target: ClusterTarget,
    chart: ChartSpec,
    release: { name: string; namespace: string; values: ChartValues },
    ctx: OpContext,
  ): Promise<void>;
}

export type Drivers = {
  images: ImageBuilder;
  clusters: ClusterProvisioner;
  workloads: Workloads;
  charts: ChartTool;
};

/** What `GET /api/system/drivers` shows for one driver. */
export type DriverReport = {
  family: 'images' | 'clusters' | 'workloads' | 'charts';
  kind: string;
  reachable: boolean;
  version?: string;
  detail?: string;
  /** True where DRIVER=auto chose this adapter. */
  picked: boolean;
};
