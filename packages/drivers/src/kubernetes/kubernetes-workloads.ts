// Workloads on a Kubernetes cluster through @kubernetes/client-node v2: server-side apply with field
// manager `slipway`, scale through the scale subresource, foreground deletes, and status read back from
// the cluster by polling with backoff (a watch would need a long-lived stream per wait; polling survives
// API server restarts and proxies without special handling, and the waits are short).
import type {
  AppsV1Api,
  ConfigurationOptions,
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  ObservableMiddleware,
  V1Deployment,
  V1Endpoints,
  V1Node,
  V1Pod,
  V1Service,
  VersionApi,
} from '@kubernetes/client-node';
import {
  type ClusterSnapshot,
  type ClusterTarget,
  type DeploymentObservation,
  type DeploymentSpec,
  DriverError,
  type DryRunResult,
  type K8sEvent,
  type NodeSnapshot,
  type OpContext,
  type PvcSnapshot,
  type ServiceObservation,
  type ServiceSnapshot,
  type ServiceSpec,
  type WorkloadSnapshot,
  type Workloads,
} from '../types.ts';
import { k8s } from './client.ts';
import { toDriverError } from './errors.ts';
import {
  buildDeploymentManifest,
  buildNamespaceManifest,
  buildServiceManifest,
  FIELD_MANAGER,
  LABELS,
  podSelector,
} from './manifests.ts';
import {
  conditionOf,
  deploymentObservation,
  eventOf,
  firstUnhealthyContainer,
  nodeCapacity,
  nodeSnapshot,
  type PodUsage,
  parseCpuMillicores,
  parseMemoryMiB,
  podSnapshot,
  pvcSnapshot,
  selectorMatches,
  serviceObservation,
  serviceSnapshot,
} from './observe.ts';

export type KubernetesWorkloadsOptions = {
  /** A kubeconfig file; without it and without `kubeconfigYaml` the client's default loading applies (KUBECONFIG, ~/.kube/config). */
  kubeconfigPath?: string;
  /** A kubeconfig document (wins over `kubeconfigPath`). */
  kubeconfigYaml?: string;
  /** First poll interval while waiting; grows x1.5 up to 5x. Default 1000 ms; tests use a few ms. */
  pollIntervalMs?: number;
  /** Per-request timeout. Default 30 s. */
  requestTimeoutMs?: number;
};

export type ProbeResult = { reachable: boolean; version?: string; detail?: string };

type Clients = { apps: AppsV1Api; core: CoreV1Api; custom: CustomObjectsApi; version: VersionApi };

/** Log lines of the first unhealthy container kept in a snapshot. */
const LOG_TAIL_LINES = 50;
/** Pods whose events are read for a snapshot; more would be one request per pod for little extra insight. */
const EVENT_PODS = 10;
const MAX_EVENTS = 50;

function loadKubeConfig(opts: KubernetesWorkloadsOptions): KubeConfig {
  const kc = new (k8s().KubeConfig)();
  if (opts.kubeconfigYaml) kc.loadFromString(opts.kubeconfigYaml);
  else if (opts.kubeconfigPath) kc.loadFromFile(opts.kubeconfigPath);
  else kc.loadFromDefault();
  return kc;
}

/**
 * Per-call options: the caller's abort signal (plus a request timeout) and, for patches, the content type.
 * The generated client picks `application/json-patch+json` for every PATCH; the middleware replaces it.
 */
function callOptions(signal: AbortSignal, contentType?: string): ConfigurationOptions<ObservableMiddleware> {
  const middleware: ObservableMiddleware = {
    pre: (ctx) => {
      ctx.setSignal(signal);
      if (contentType) ctx.setHeaderParam('Content-Type', contentType);
      return new (k8s().Observable)(Promise.resolve(ctx));
    },
    post: (res) => new (k8s().Observable)(Promise.resolve(res)),
  };
  return { middleware: [middleware], middlewareMergeStrategy: 'append' };
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const t = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(t);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

const NEVER = new AbortController().signal;

export class KubernetesWorkloads implements Workloads {
  readonly kind = 'kubernetes';
  private readonly kc: KubeConfig;
  private readonly clients = new Map<string, Clients>();
  private readonly pollIntervalMs: number;
  private readonly requestTimeoutMs: number;

  constructor(opts: KubernetesWorkloadsOptions = {}) {
    this.kc = loadKubeConfig(opts);
    this.pollIntervalMs = opts.pollIntervalMs ?? 1000;
    this.requestTimeoutMs = opts.requestTimeoutMs ?? 30_000;
  }

  /** GET /version of the kubeconfig's current context (or `context`). Never throws. */
  static async probe(opts: KubernetesWorkloadsOptions & { context?: string } = {}): Promise<ProbeResult> {
    try {
      const kc = loadKubeConfig(opts);
      if (opts.context) {
        if (!kc.getContextObject(opts.context))
          return { reachable: false, detail: `context "${opts.context}" not in kubeconfig` };
        kc.setCurrentContext(opts.context);
      }
      if (!kc.getCurrentCluster()) return { reachable: false, detail: 'no current cluster in kubeconfig' };
      const v = await kc
        .makeApiClient(k8s().VersionApi)
        .getCode(callOptions(AbortSignal.timeout(opts.requestTimeoutMs ?? 5000)));
      return { reachable: true, version: v.gitVersion };
    } catch (e) {
      return { reachable: false, detail: toDriverError(e, 'GET /version').message };
    }
  }

  private api(target: ClusterTarget): Clients {
    const cached = this.clients.get(target.context);
    if (cached) return cached;
    if (!this.kc.getContextObject(target.context)) {
      throw new DriverError(
        'context_not_found',
        `kubeconfig has no context "${target.context}" (cluster ${target.name})`,
        {
          retryable: false,
        },
      );
    }
    // A KubeConfig per context: makeApiClient binds the current context at construction time.
    const kc = new (k8s().KubeConfig)();
    kc.loadFromOptions({
      clusters: this.kc.getClusters(),
      contexts: this.kc.getContexts(),
      users: this.kc.getUsers(),
      currentContext: target.context,
    });
    const clients: Clients = {
      apps: kc.makeApiClient(k8s().AppsV1Api),
      core: kc.makeApiClient(k8s().CoreV1Api),
      custom: kc.makeApiClient(k8s().CustomObjectsApi),
      version: kc.makeApiClient(k8s().VersionApi),
    };
    this.clients.set(target.context, clients);
    return clients;
  }

  /** Runs one API call with the caller's signal and a request timeout; maps failures to DriverError. */
  private async call<T>(
    action: string,
    signal: AbortSignal,
    fn: (opts: ConfigurationOptions<ObservableMiddleware>) => Promise<T>,
    contentType?: string,
  ): Promise<T> {
    if (signal.aborted) throw toDriverError(signal.reason, action, signal);
    const combined = AbortSignal.any([signal, AbortSignal.timeout(this.requestTimeoutMs)]);
    try {
      return await fn(callOptions(combined, contentType));
    } catch (e) {
      throw toDriverError(e, action, signal);
    }
  }

  /** Reads, or null on 404. */
  private async readOrNull<T>(
    action: string,
    signal: AbortSignal,
    fn: (o: ConfigurationOptions<ObservableMiddleware>) => Promise<T>,
  ): Promise<T | null> {
    try {
      return await this.call(action, signal, fn);
    } catch (e) {
      if (e instanceof DriverError && e.code === 'not_found') return null;
      throw e;
    }
  }

  /** Creates the namespace when it is missing; an existing one is left alone (its labels are not ours). */
  private async ensureNamespace(c: Clients, namespace: string, ctx: OpContext): Promise<void> {
    const existing = await this.readOrNull(`read namespace ${namespace}`, ctx.signal, (o) =>
      c.core.readNamespace({ name: namespace }, o),
    );
    if (existing) return;
    try {
      await this.call(`create namespace ${namespace}`, ctx.signal, (o) =>
        c.core.createNamespace({ body: buildNamespaceManifest(namespace), fieldManager: FIELD_MANAGER }, o),
      );
      ctx.log(`created namespace ${namespace}`);
    } catch (e) {
      // Someone created it between our read and create: that is what we wanted.
      if (!(e instanceof DriverError && e.code === 'conflict')) throw e;
    }
  }

  async applyDeployment(target: ClusterTarget, spec: DeploymentSpec, ctx: OpContext): Promise<void> {
    const manifest = buildDeploymentManifest(spec);
    const c = this.api(target);
    await this.ensureNamespace(c, spec.namespace, ctx);
    const applied = await this.call(
      `apply deployment ${spec.namespace}/${spec.name}`,
      ctx.signal,
      (o) =>
        c.apps.patchNamespacedDeployment(
          {
            name: spec.name,
            namespace: spec.namespace,
            body: manifest,
            fieldManager: FIELD_MANAGER,
            force: true,
          },
          o,
        ),
      k8s().PatchStrategy.ServerSideApply,
    );
    ctx.log(
      `applied deployment ${spec.namespace}/${spec.name} on ${target.context}: image ${spec.image}, ${spec.replicas} replica(s), generation ${applied.metadata?.generation ?? '?'}`,
    );
  }

  async scaleDeployment(target: ClusterTarget, spec: DeploymentSpec, ctx: OpContext): Promise<void> {
    const c = this.api(target);
    const scale = await this.call(
      `scale deployment ${spec.namespace}/${spec.name}`,
      ctx.signal,
      (o) =>
        c.apps.patchNamespacedDeploymentScale(
          {
            name: spec.name,
            namespace: spec.namespace,
            body: { spec: { replicas: spec.replicas } },
            fieldManager: FIELD_MANAGER,
          },
          o,
        ),
      k8s().PatchStrategy.MergePatch,
    );
    ctx.log(
      `scaled deployment ${spec.namespace}/${spec.name} to ${scale.spec?.replicas ?? spec.replicas} replica(s)`,
    );
  }

  /** The scale subresource patched with dryRun=All: admission runs, nothing is persisted. */
  async dryRunScale(target: ClusterTarget, spec: DeploymentSpec, ctx: OpContext): Promise<DryRunResult> {
    const c = this.api(target);
    try {
      const scale = await this.call(
        `dry-run scale deployment ${spec.namespace}/${spec.name}`,
        ctx.signal,
        (o) =>
          c.apps.patchNamespacedDeploymentScale(
            {
              name: spec.name,
              namespace: spec.namespace,
              body: { spec: { replicas: spec.replicas } },
              fieldManager: FIELD_MANAGER,
              dryRun: 'All',
            },
            o,
          ),
        k8s().PatchStrategy.MergePatch,
      );
      return {
        accepted: true,
        replicas: scale.spec?.replicas ?? spec.replicas,
        detail: 'server-side dry run (dryRun=All) accepted',
        serverSide: true,
      };
    } catch (e) {
      if (e instanceof DriverError && !e.retryable && e.code !== 'cancelled' && e.code !== 'aborted')
        return { accepted: false, detail: e.message, serverSide: true };
      throw e;
    }
  }

  private async observeDeployment(
    c: Clients,
    spec: Pick<DeploymentSpec, 'id' | 'name' | 'namespace'>,
    signal: AbortSignal,
  ) {
    const where = `${spec.namespace}/${spec.name}`;
    const deployment = await this.readOrNull(`read deployment ${where}`, signal, (o) =>
      c.apps.readNamespacedDeployment({ name: spec.name, namespace: spec.namespace }, o),
    );
    const pods = deployment ? await this.listPods(c, spec, signal) : [];
    return { deployment, pods, observation: deploymentObservation(deployment, pods) };
  }

  private async listPods(
    c: Clients,
    spec: Pick<DeploymentSpec, 'id' | 'namespace'>,
    signal: AbortSignal,
  ): Promise<V1Pod[]> {
    const list = await this.call(`list pods of ${spec.id}`, signal, (o) =>
      c.core.listNamespacedPod({ namespace: spec.namespace, labelSelector: podSelector(spec.id) }, o),
    );
    return list.items;
  }

  /**
   * Polls with backoff until the observation settles or the deadline passes. Transient (retryable) API
   * errors are logged and polled through; if the last attempt before the deadline failed, that error is thrown.
   */
  private async pollUntil<T extends { phase: string; reason?: string }>(
    what: string,
    ctx: OpContext,
    timeoutMs: number,
    read: () => Promise<T>,
    settled: (o: T) => boolean,
  ): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    let interval = this.pollIntervalMs;
    let lastLine = '';
    for (;;) {
      let obs: T | null = null;
      let error: DriverError | null = null;
      try {
        obs = await read();
      } catch (e) {
        error = toDriverError(e, what, ctx.signal);
        if (!error.retryable || error.code === 'aborted') throw error;
      }
      const line = obs
        ? `${what}: ${obs.phase}${obs.reason ? ` (${obs.reason})` : ''}`
        : `${what}: ${error?.message}`;
      if (line !== lastLine) ctx.log(line);
      lastLine = line;
      if (obs && settled(obs)) return obs;
      if (Date.now() + interval > deadline) {
        if (obs) return obs;
        throw (
          error ?? new DriverError('timeout', `${what}: no answer before the deadline`, { retryable: true })
        );
      }
      try {
        await sleep(interval, ctx.signal);
      } catch (e) {
        throw toDriverError(e, what, ctx.signal);
      }
      interval = Math.min(Math.round(interval * 1.5), this.pollIntervalMs * 5);
    }
  }

  async waitDeployment(
    target: ClusterTarget,
    spec: DeploymentSpec,
    ctx: OpContext,
    timeoutMs: number,
  ): Promise<DeploymentObservation> {
    const c = this.api(target);
    return this.pollUntil(
      `deployment ${spec.namespace}/${spec.name}`,
      ctx,
      timeoutMs,
      async () => (await this.observeDeployment(c, spec, ctx.signal)).observation,
      (o) => o.phase === 'running' || o.phase === 'failed' || o.phase === 'absent',
    );
  }

  /** Refuses to touch an object of the same name that belongs to another Slipway resource. */
  private checkOwner(
    labels: Record<string, string> | undefined,
    label: string,
    id: string,
    what: string,
  ): void {
    const owner = labels?.[label];
    if (owner && owner !== id) {
      throw new DriverError('conflict', `${what} belongs to another Slipway resource (${label}=${owner})`, {
        retryable: false,
      });
    }
  }

  async deleteDeployment(
    target: ClusterTarget,
    spec: Pick<DeploymentSpec, 'id' | 'name' | 'namespace'>,
    ctx: OpContext,
  ): Promise<void> {
    const c = this.api(target);
    const where = `deployment ${spec.namespace}/${spec.name}`;
    const existing = await this.readOrNull(`read ${where}`, ctx.signal, (o) =>
      c.apps.readNamespacedDeployment({ name: spec.name, namespace: spec.namespace }, o),
    );
    if (!existing) {
      ctx.log(`${where} already absent`);
      return;
    }
    this.checkOwner(existing.metadata?.labels, LABELS.deploymentId, spec.id, where);
    try {
      await this.call(`delete ${where}`, ctx.signal, (o) =>
        c.apps.deleteNamespacedDeployment(
          { name: spec.name, namespace: spec.namespace, propagationPolicy: 'Foreground' },
          o,
        ),
      );
      ctx.log(`deleted ${where} (foreground propagation)`);
    } catch (e) {
      if (e instanceof DriverError && e.code === 'not_found') return;
      throw e;
    }
  }

  async applyService(target: ClusterTarget, spec: ServiceSpec, ctx: OpContext): Promise<void> {
    const manifest = buildServiceManifest(spec);
    const c = this.api(target);
    await this.ensureNamespace(c, spec.namespace, ctx);
    const applied = await this.call(
      `apply service ${spec.namespace}/${spec.name}`,
      ctx.signal,
      (o) =>
        c.core.patchNamespacedService(
          {
            name: spec.name,
            namespace: spec.namespace,
            body: manifest,
            fieldManager: FIELD_MANAGER,
            force: true,
          },
          o,
        ),
      k8s().PatchStrategy.ServerSideApply,
    );
    ctx.log(
      `applied service ${spec.namespace}/${spec.name} (${spec.type} ${spec.port}->${spec.targetPort}/${manifest.spec.ports[0]?.protocol}) cluster IP ${applied.spec?.clusterIP ?? '?'}`,
    );
  }

  private async observeService(
    c: Clients,
    spec: Pick<ServiceSpec, 'name' | 'namespace'>,
    signal: AbortSignal,
  ): Promise<ServiceObservation> {
    const where = `${spec.namespace}/${spec.name}`;
    const service: V1Service | null = await this.readOrNull(`read service ${where}`, signal, (o) =>
      c.core.readNamespacedService({ name: spec.name, namespace: spec.namespace }, o),
    );
    if (!service) return serviceObservation(null, null);
    const endpoints: V1Endpoints | null =
      service.spec?.type === 'LoadBalancer'
        ? null
        : await this.readOrNull(`read endpoints ${where}`, signal, (o) =>
            c.core.readNamespacedEndpoints({ name: spec.name, namespace: spec.namespace }, o),
          );
    return serviceObservation(service, endpoints);
  }

  /** Waits for `active`; at the deadline a still-pending service is reported `failed` with the pending reason. */
  async waitService(
    target: ClusterTarget,
    spec: ServiceSpec,
    ctx: OpContext,
    timeoutMs: number,
  ): Promise<ServiceObservation> {
    const c = this.api(target);
    const obs = await this.pollUntil(
      `service ${spec.namespace}/${spec.name}`,
      ctx,
      timeoutMs,
      () => this.observeService(c, spec, ctx.signal),
      (o) => o.phase !== 'pending',
    );
    if (obs.phase === 'pending') {
      return {
        ...obs,
        phase: 'failed',
        reason: `not active after ${timeoutMs} ms: ${obs.reason ?? 'pending'}`,
      };
    }
    return obs;
  }

  async deleteService(
    target: ClusterTarget,
    spec: Pick<ServiceSpec, 'id' | 'name' | 'namespace'>,
    ctx: OpContext,
  ): Promise<void> {
    const c = this.api(target);
    const where = `service ${spec.namespace}/${spec.name}`;
    const existing = await this.readOrNull(`read ${where}`, ctx.signal, (o) =>
      c.core.readNamespacedService({ name: spec.name, namespace: spec.namespace }, o),
    );
    if (!existing) {
      ctx.log(`${where} already absent`);
      return;
    }
    this.checkOwner(existing.metadata?.labels, LABELS.serviceId, spec.id, where);
    try {
      await this.call(`delete ${where}`, ctx.signal, (o) =>
        c.core.deleteNamespacedService(
          { name: spec.name, namespace: spec.namespace, propagationPolicy: 'Foreground' },
          o,
        ),
      );
      ctx.log(`deleted ${where}`);
    } catch (e) {
      if (e instanceof DriverError && e.code === 'not_found') return;
      throw e;
    }
  }

  /** Pod usage from metrics.k8s.io, or null when the metrics API is not installed or not answering. */
  private async podUsage(
    c: Clients,
    spec: DeploymentSpec,
    signal: AbortSignal,
  ): Promise<Map<string, PodUsage> | null> {
    try {
      const list = (await this.call('list pod metrics', signal, (o) =>
        c.custom.listNamespacedCustomObject(
          {
            group: 'metrics.k8s.io',
            version: 'v1beta1',
            namespace: spec.namespace,
            plural: 'pods',
            labelSelector: podSelector(spec.id),
          },
          o,
        ),
      )) as {
        items?: {
          metadata?: { name?: string };
          containers?: { usage?: { cpu?: string; memory?: string } }[];
        }[];
      };
      const out = new Map<string, PodUsage>();
      for (const item of list.items ?? []) {
        let cpu = 0;
        let mem = 0;
        for (const ctr of item.containers ?? []) {
          cpu += parseCpuMillicores(ctr.usage?.cpu) ?? 0;
          mem += parseMemoryMiB(ctr.usage?.memory) ?? 0;
        }
        out.set(item.metadata?.name ?? '', { cpuMillicores: cpu, memoryMiB: Math.round(mem * 100) / 100 });
      }
      return out;
    } catch {
      return null;
    }
  }

  private async eventsFor(
    c: Clients,
    namespace: string,
    kind: string,
    name: string,
    signal: AbortSignal,
  ): Promise<K8sEvent[]> {
    const list = await this.call(`list events of ${kind}/${name}`, signal, (o) =>
      c.core.listNamespacedEvent(
        { namespace, fieldSelector: `involvedObject.kind=${kind},involvedObject.name=${name}` },
        o,
      ),
    );
    return list.items.map(eventOf);
  }

  private async tailLogs(
    c: Clients,
    namespace: string,
    pods: V1Pod[],
    signal: AbortSignal,
  ): Promise<string[] | undefined> {
    const target = firstUnhealthyContainer(pods);
    if (!target) return undefined;
    const read = (previous: boolean) =>
      this.call(`read logs of ${target.pod}/${target.container}`, signal, (o) =>
        c.core.readNamespacedPodLog(
          {
            name: target.pod,
            namespace,
            container: target.container,
            tailLines: LOG_TAIL_LINES,
            ...(previous ? { previous } : {}),
          },
          o,
        ),
      );
    try {
      // A crash-looping container's useful output is in its previous instance.
      let text: string;
      try {
        text = await read(target.previous);
      } catch (e) {
        if (!target.previous) throw e;
        text = await read(false);
      }
      return text
        .split('\n')
        .filter((l) => l.length > 0)
        .slice(-LOG_TAIL_LINES);
    } catch {
      return undefined;
    }
  }

  /** Events of every ReplicaSet of the deployment (`<name>-<hash>`): where quota and FailedCreate show up. */
  private async replicaSetEvents(
    c: Clients,
    namespace: string,
    name: string,
    signal: AbortSignal,
  ): Promise<K8sEvent[]> {
    const list = await this.call(`list ReplicaSet events of ${name}`, signal, (o) =>
      c.core.listNamespacedEvent({ namespace, fieldSelector: 'involvedObject.kind=ReplicaSet' }, o),
    );
    const ofDeployment = (rs: string): boolean =>
      rs.startsWith(`${name}-`) && /^[a-z0-9]+$/.test(rs.slice(name.length + 1));
    return list.items.filter((e) => ofDeployment(e.involvedObject?.name ?? '')).map(eventOf);
  }

  /** Services created for the deployment (Slipway's label) or whose selector matches its pod labels. */
  private async servicesOf(
    c: Clients,
    spec: DeploymentSpec,
    podLabels: Record<string, string> | undefined,
    signal: AbortSignal,
  ): Promise<ServiceSnapshot[]> {
    const list = await this.call(`list services in ${spec.namespace}`, signal, (o) =>
      c.core.listNamespacedService({ namespace: spec.namespace }, o),
    );
    const mine = list.items.filter(
      (svc) =>
        svc.metadata?.labels?.[LABELS.deploymentId] === spec.id ||
        selectorMatches(svc.spec?.selector, podLabels),
    );
    return Promise.all(
      mine.map(async (svc) => {
        const name = svc.metadata?.name ?? '';
        const endpoints = await this.readOrNull(`read endpoints ${spec.namespace}/${name}`, signal, (o) =>
          c.core.readNamespacedEndpoints({ name, namespace: spec.namespace }, o),
        );
        return serviceSnapshot(svc, endpoints, podLabels);
      }),
    );
  }

  /** The nodes the pods are on; every node when none is scheduled yet (what a Pending pod could go to). */
  private async nodesOf(
    c: Clients,
    pods: V1Pod[],
    signal: AbortSignal,
  ): Promise<{ nodes: NodeSnapshot[]; all: V1Node[] }> {
    const list = await this.call('list nodes', signal, (o) => c.core.listNode({}, o));
    const used = new Set(pods.map((p) => p.spec?.nodeName).filter((n): n is string => !!n));
    const picked = used.size ? list.items.filter((n) => used.has(n.metadata?.name ?? '')) : list.items;
    return { nodes: picked.map(nodeSnapshot), all: list.items };
  }

  /** The PVCs the pod template mounts; a claim that does not exist is reported with phase `Missing`. */
  private async pvcsOf(
    c: Clients,
    namespace: string,
    deployment: V1Deployment,
    signal: AbortSignal,
  ): Promise<{ pvcs: PvcSnapshot[]; events: K8sEvent[] }> {
    const claims = (deployment.spec?.template.spec?.volumes ?? [])
      .map((v) => v.persistentVolumeClaim?.claimName)
      .filter((n): n is string => !!n);
    const pvcs: PvcSnapshot[] = [];
    const events: K8sEvent[] = [];
    for (const name of claims) {
      const pvc = await this.readOrNull(`read pvc ${namespace}/${name}`, signal, (o) =>
        c.core.readNamespacedPersistentVolumeClaim({ name, namespace }, o),
      );
      pvcs.push(pvc ? pvcSnapshot(pvc) : { name, phase: 'Missing' });
      if (pvc) events.push(...(await this.eventsFor(c, namespace, 'PersistentVolumeClaim', name, signal)));
    }
    return { pvcs, events };
  }

  /** `signal`: the operation's (AI debug/analyze), so a cancel aborts the reads in flight. */
  async inspect(
    target: ClusterTarget,
    spec: DeploymentSpec,
    _services?: ServiceSpec[],
    signal: AbortSignal = NEVER,
  ): Promise<WorkloadSnapshot> {
    const c = this.api(target);
    const { deployment, pods, observation } = await this.observeDeployment(c, spec, signal);
    if (!deployment) return { deployment: observation, pods: [], events: [] };
    const template = deployment.spec?.template;
    const podLabels = template?.metadata?.labels;
    // Optional reads: an API server that refuses one of them (RBAC, an old server) still gets a snapshot.
    const optional = <T>(p: Promise<T>, fallback: T): Promise<T> => p.catch(() => fallback);
    const [usage, logs, services, nodeInfo, pvcInfo, rsEvents, ...eventLists] = await Promise.all([
      this.podUsage(c, spec, signal),
      this.tailLogs(c, spec.namespace, pods, signal),
      optional(this.servicesOf(c, spec, podLabels, signal), [] as ServiceSnapshot[]),
      optional(this.nodesOf(c, pods, signal), { nodes: [] as NodeSnapshot[], all: [] as V1Node[] }),
      optional(this.pvcsOf(c, spec.namespace, deployment, signal), {
        pvcs: [] as PvcSnapshot[],
        events: [],
      }),
      optional(this.replicaSetEvents(c, spec.namespace, spec.name, signal), [] as K8sEvent[]),
      this.eventsFor(c, spec.namespace, 'Deployment', spec.name, signal),
      ...pods
        .slice(0, EVENT_PODS)
        .map((p) => this.eventsFor(c, spec.namespace, 'Pod', p.metadata?.name ?? '', signal)),
    ]);
    // The optional reads swallow their errors: a cancel must not end as a partial snapshot.
    if (signal.aborted) throw toDriverError(signal.reason, `inspect ${spec.namespace}/${spec.name}`, signal);
    const events = [...eventLists.flat(), ...rsEvents, ...pvcInfo.events]
      .sort((a, b) => a.at.localeCompare(b.at))
      .slice(-MAX_EVENTS);
    const image = template?.spec?.containers?.[0]?.image;
    const conditions = (deployment.status?.conditions ?? []).map(conditionOf);
    return {
      deployment: observation,
      pods: pods.map((p) => podSnapshot(p, usage?.get(p.metadata?.name ?? '') ?? null)),
      events,
      ...(logs ? { logs } : {}),
      ...(image ? { image } : {}),
      ...(podLabels ? { podLabels } : {}),
      ...(conditions.length ? { conditions } : {}),
      services,
      nodes: nodeInfo.nodes,
      ...(pvcInfo.pvcs.length ? { pvcs: pvcInfo.pvcs } : {}),
    };
  }

  async clusterSnapshot(
    target: ClusterTarget,
    deployments: DeploymentSpec[],
    _services?: ServiceSpec[],
    signal: AbortSignal = NEVER,
  ): Promise<ClusterSnapshot> {
    const c = this.api(target);
    const nodes = await this.call('list nodes', signal, (o) => c.core.listNode({}, o));
    const workloads = [];
    // One deployment at a time: a snapshot is not latency-critical and this keeps the API server load flat.
    for (const d of deployments)
      workloads.push({
        ...(await this.inspect(target, d, undefined, signal)),
        name: d.name,
        namespace: d.namespace,
      });
    return { nodes: nodes.items.map(nodeCapacity), workloads };
  }

  /** For tests and diagnostics: the raw deployment object, or null. */
  async readDeployment(
    target: ClusterTarget,
    spec: Pick<DeploymentSpec, 'name' | 'namespace'>,
  ): Promise<V1Deployment | null> {
    const c = this.api(target);
    return this.readOrNull(`read deployment ${spec.namespace}/${spec.name}`, NEVER, (o) =>
      c.apps.readNamespacedDeployment({ name: spec.name, namespace: spec.namespace }, o),
    );
  }
}
