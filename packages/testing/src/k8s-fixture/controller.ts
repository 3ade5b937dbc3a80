// The fixture's controller loop: what kube-controller-manager, the scheduler and the kubelet would do,
// reduced to what Slipway observes. Pods are owned directly by their Deployment (no ReplicaSets), they
// go Pending -> Running/Ready one tick after creation, Endpoints follow ready pods, LoadBalancer services
// get an ingress one tick after they are seen, and a deployment told to crash gets pods stuck in the
// waiting reason it was given (CrashLoopBackOff, ImagePullBackOff, ...) with Warning events.
import { randomBytes } from 'node:crypto';
import { type CrashReason, faultOutcome, type WorkloadFault } from './faults.ts';
import { arr, type KObj, matchLabelSelector, type Rec, rec, type Store, shortHash } from './store.ts';

export type { CrashReason, WorkloadFault };

export type ControllerOptions = {
  /** Overrides every deployment's progressDeadlineSeconds, so tests can see ProgressDeadlineExceeded quickly. */
  progressDeadlineMs?: number;
  /** When false, LoadBalancer services never get an ingress (minikube without `minikube tunnel`). */
  loadBalancerIngress: boolean;
};

const now = (): string => new Date().toISOString().replace(/\.\d+Z$/, 'Z');

export class FixtureController {
  private readonly faults = new Map<string, WorkloadFault>();
  private readonly lbSeen = new Set<string>();
  private readonly lastProgress = new Map<string, { at: number; mark: string }>();
  private readonly logs = new Map<string, string[]>();
  private nextIp = 10;
  private nextLbIp = 200;
  private readonly store: Store;
  private readonly opts: ControllerOptions;

  constructor(store: Store, opts: ControllerOptions) {
    this.store = store;
    this.opts = opts;
  }

  crash(deploymentName: string, reason: CrashReason, logLines?: string[]): void {
    this.faults.set(deploymentName, { kind: 'crash', reason, ...(logLines ? { logLines } : {}) });
  }

  breakWorkload(deploymentName: string, fault: WorkloadFault): void {
    this.faults.set(deploymentName, fault);
  }

  heal(deploymentName: string): void {
    this.faults.delete(deploymentName);
  }

  podLogs(namespace: string, pod: string): string[] | undefined {
    return this.logs.get(`${namespace}/${pod}`);
  }

  /** Records an Event like the kubelet/controllers do, folding repeats into `count`. */
  emit(involved: KObj, type: 'Normal' | 'Warning', reason: string, message: string, component: string): void {
    const ns = involved.metadata.namespace ?? 'default';
    const same = this.store
      .list('events', ns)
      .find(
        (e) =>
          rec(e.involvedObject).uid === involved.metadata.uid && e.reason === reason && e.message === message,
      );
    if (same) {
      this.store.update('events', { ...same, count: Number(same.count ?? 1) + 1, lastTimestamp: now() });
      return;
    }
    this.store.insert('events', {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: `${involved.metadata.name}.${randomBytes(8).toString('hex')}`, namespace: ns },
      involvedObject: {
        kind: involved.kind,
        namespace: ns,
        name: involved.metadata.name,
        uid: involved.metadata.uid,
        apiVersion: involved.apiVersion,
      },
      reason,
      message,
      type,
      count: 1,
      firstTimestamp: now(),
      lastTimestamp: now(),
      source: { component },
      reportingComponent: component,
    });
  }

  tick(): void {
    for (const d of this.store.list('deployments')) this.reconcileDeployment(d);
    this.collectOrphans();
    for (const p of this.store.list('pods')) this.runKubelet(p);
    for (const d of this.store.list('deployments')) this.updateDeploymentStatus(d);
    for (const s of this.store.list('services')) this.reconcileService(s);
    for (const ep of this.store.list('endpoints')) {
      if (!this.store.get('services', ep.metadata.namespace, ep.metadata.name)) {
        this.store.remove('endpoints', ep.metadata.namespace, ep.metadata.name);
      }
    }
  }

  private ownedPods(d: KObj): KObj[] {
    return this.store
      .list('pods', d.metadata.namespace)
      .filter((p) => (p.metadata.ownerReferences ?? []).some((o) => o.uid === d.metadata.uid));
  }

  private reconcileDeployment(d: KObj): void {
    const pods = this.ownedPods(d);
    if (d.metadata.deletionTimestamp) {
      // Foreground deletion: dependents go first, then the owner loses its finalizer and disappears.
      for (const p of pods) this.deletePod(p);
      this.store.remove('deployments', d.metadata.namespace, d.metadata.name);
      this.lastProgress.delete(d.metadata.uid ?? '');
      return;
    }
    const spec = rec(d.spec);
    const desired = typeof spec.replicas === 'number' ? spec.replicas : 1;
    const template = rec(spec.template);
    const hash = shortHash(template);
    const current = pods.filter((p) => p.metadata.labels?.['pod-template-hash'] === hash);
    const old = pods.filter((p) => p.metadata.labels?.['pod-template-hash'] !== hash);
    const fault = this.faults.get(d.metadata.name);
    if (fault?.kind === 'quota') {
      // The ReplicaSet controller's create is refused by the quota admission plugin: no pod, an event.
      if (current.length < desired) {
        const rs = `${d.metadata.name}-${hash.slice(0, 9)}`;
        this.emit(
          {
            apiVersion: 'apps/v1',
            kind: 'ReplicaSet',
            metadata: {
              name: rs,
              namespace: d.metadata.namespace,
              uid: `rs-${d.metadata.uid ?? ''}-${hash}`,
            },
          },
          'Warning',
          'FailedCreate',
          `Error creating: ${fault.message}`,
          'replicaset-controller',
        );
      }
      return;
    }
    for (let i = current.length; i < desired; i++) this.createPod(d, template, hash);
    for (const p of current.slice(desired)) this.deletePod(p);
    // Old pods go once the new ones serve, which keeps a crashing rollout from taking the old version down.
    const readyNew = current.slice(0, desired).filter(isPodReady).length;
    if (readyNew >= desired) for (const p of old) this.deletePod(p);
  }

  private createPod(d: KObj, template: Rec, hash: string): void {
    const tmeta = rec(template.metadata);
    const name = `${d.metadata.name}-${hash.slice(0, 9)}-${randomBytes(3).toString('hex').slice(0, 5)}`;
    const labels = { ...(tmeta.labels as Record<string, string> | undefined), 'pod-template-hash': hash };
    const podSpec = rec(template.spec);
    const unschedulable = this.faults.get(d.metadata.name)?.kind === 'unschedulable';
    const pod = this.store.insert('pods', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name,
        namespace: d.metadata.namespace,
        labels,
        ownerReferences: [
          {
            apiVersion: 'apps/v1',
            kind: 'Deployment',
            name: d.metadata.name,
            uid: d.metadata.uid ?? '',
            controller: true,
          },
        ],
      },
      spec: unschedulable ? podSpec : { ...podSpec, nodeName: 'minikube' },
      status: {
        phase: 'Pending',
        conditions: [{ type: 'PodScheduled', status: 'True' }],
        containerStatuses: arr(podSpec.containers).map((c) => ({
          name: rec(c).name,
          image: rec(c).image,
          ready: false,
          started: false,
          restartCount: 0,
          state: { waiting: { reason: 'ContainerCreating' } },
        })),
      },
    });
    if (!unschedulable)
      this.emit(
        pod,
        'Normal',
        'Scheduled',
        `Successfully assigned ${d.metadata.namespace}/${name} to minikube`,
        'default-scheduler',
      );
  }

  private deletePod(p: KObj): void {
    this.store.remove('pods', p.metadata.namespace, p.metadata.name);
    this.logs.delete(`${p.metadata.namespace}/${p.metadata.name}`);
  }

  private collectOrphans(): void {
    for (const p of this.store.list('pods')) {
      const owner = p.metadata.ownerReferences?.[0];
      if (!owner) continue;
      const alive = this.store
        .list('deployments', p.metadata.namespace)
        .some((d) => d.metadata.uid === owner.uid);
      if (!alive) this.deletePod(p);
    }
  }

  /** One kubelet step for a pod: start its containers, or keep them failing the way they were told to. */
  private runKubelet(p: KObj): void {
    const owner = p.metadata.ownerReferences?.[0]?.name ?? '';
    const fault = this.faults.get(owner);
    const containers = arr(rec(p.spec).containers).map(rec);
    const status = rec(p.status);
    const logKey = `${p.metadata.namespace}/${p.metadata.name}`;
    if (fault && fault.kind !== 'quota') {
      const podIP =
        fault.kind === 'unschedulable'
          ? ''
          : typeof status.podIP === 'string'
            ? status.podIP
            : this.allocatePodIp();
      const out = faultOutcome(fault, { name: p.metadata.name, spec: rec(p.spec), status, podIP });
      const nextStatus = { ...out.status };
      if (!podIP) delete nextStatus.podIP;
      const nextSpec = fault.kind === 'unschedulable' ? { ...rec(p.spec), nodeName: undefined } : p.spec;
      this.store.update('pods', { ...p, spec: nextSpec, status: nextStatus });
      if (out.logs) this.logs.set(logKey, [...(this.logs.get(logKey) ?? []).slice(-50), ...out.logs]);
      for (const e of out.events) this.emit(p, e.type, e.reason, e.message, 'kubelet');
      return;
    }
    const node = this.store.get('nodes', undefined, String(rec(p.spec).nodeName ?? 'minikube'));
    const nodeReady = arr(rec(node?.status).conditions).some(
      (c) => rec(c).type === 'Ready' && rec(c).status === 'True',
    );
    if (node && !nodeReady) {
      // The node lifecycle controller marks pods on a NotReady node not ready (their endpoints go away).
      if (isPodReady(p) || rec(p.status).phase === 'Pending') {
        this.store.update('pods', {
          ...p,
          status: {
            ...status,
            phase: status.phase === 'Pending' ? 'Pending' : status.phase,
            conditions: arr(status.conditions).map((c) =>
              rec(c).type === 'Ready' || rec(c).type === 'ContainersReady'
                ? { ...rec(c), status: 'False' }
                : c,
            ),
            containerStatuses: arr(status.containerStatuses).map((c) => ({ ...rec(c), ready: false })),
          },
        });
      }
      this.emit(p, 'Warning', 'NodeNotReady', 'Node is not ready', 'node-controller');
      return;
    }
    if (isPodReady(p)) return;
    const ip = typeof status.podIP === 'string' ? status.podIP : this.allocatePodIp();
    const startedAt = now();
    this.store.update('pods', {
      ...p,
      status: {
        phase: 'Running',
        podIP: ip,
        hostIP: '192.168.49.2',
        startTime: startedAt,
        conditions: ['PodScheduled', 'Initialized', 'ContainersReady', 'Ready'].map((type) => ({
          type,
          status: 'True',
        })),
        containerStatuses: containers.map((c) => ({
          name: c.name,
          image: c.image,
          ready: true,
          started: true,
          restartCount: 0,
          state: { running: { startedAt } },
        })),
      },
    });
    for (const c of containers) {
      this.emit(
        p,
        'Normal',
        'Pulled',
        `Container image "${String(c.image)}" already present on machine`,
        'kubelet',
      );
      this.emit(p, 'Normal', 'Created', `Created container ${String(c.name)}`, 'kubelet');
      this.emit(p, 'Normal', 'Started', `Started container ${String(c.name)}`, 'kubelet');
    }
    const port = rec(arr(containers[0]?.ports)[0]).containerPort;
    this.logs.set(logKey, [
      `starting ${String(containers[0]?.image)}`,
      `listening on :${String(port ?? 8080)}`,
    ]);
  }

  private allocatePodIp(): string {
    const n = this.nextIp++;
    return `10.244.${Math.floor(n / 250)}.${(n % 250) + 2}`;
  }

  private updateDeploymentStatus(d: KObj): void {
    const spec = rec(d.spec);
    const desired = typeof spec.replicas === 'number' ? spec.replicas : 1;
    const hash = shortHash(rec(spec.template));
    const pods = this.ownedPods(d);
    const updated = pods.filter((p) => p.metadata.labels?.['pod-template-hash'] === hash);
    const ready = pods.filter(isPodReady).length;
    const generation = d.metadata.generation ?? 1;
    const uid = d.metadata.uid ?? '';
    const mark = `${generation}/${pods.length}/${updated.length}/${ready}`;
    const t = Date.now();
    const last = this.lastProgress.get(uid);
    if (!last || last.mark !== mark) this.lastProgress.set(uid, { at: t, mark });
    const since = last && last.mark === mark ? last.at : t;
    const deadlineMs =
      this.opts.progressDeadlineMs ??
      (typeof spec.progressDeadlineSeconds === 'number' ? spec.progressDeadlineSeconds : 600) * 1000;
    const complete = updated.length === desired && ready >= desired && pods.length === desired;
    const rs = `${d.metadata.name}-${hash.slice(0, 9)}`;
    const progressing = complete
      ? {
          status: 'True',
          reason: 'NewReplicaSetAvailable',
          message: `ReplicaSet "${rs}" has successfully progressed.`,
        }
      : t - since > deadlineMs
        ? {
            status: 'False',
            reason: 'ProgressDeadlineExceeded',
            message: `ReplicaSet "${rs}" has timed out progressing.`,
          }
        : { status: 'True', reason: 'ReplicaSetUpdated', message: `ReplicaSet "${rs}" is progressing.` };
    const available =
      ready >= desired
        ? {
            status: 'True',
            reason: 'MinimumReplicasAvailable',
            message: 'Deployment has minimum availability.',
          }
        : {
            status: 'False',
            reason: 'MinimumReplicasUnavailable',
            message: 'Deployment does not have minimum availability.',
          };
    const prev = rec(d.status);
    const prevConds = arr(prev.conditions).map(rec);
    const cond = (type: string, c: { status: string; reason: string; message: string }): Rec => {
      const old = prevConds.find((x) => x.type === type);
      const same = old && old.status === c.status && old.reason === c.reason;
      return {
        type,
        ...c,
        lastUpdateTime: same ? old.lastUpdateTime : now(),
        lastTransitionTime: old && old.status === c.status ? old.lastTransitionTime : now(),
      };
    };
    // Zero counts are omitted, as the real API server does (omitempty): readers must default them.
    const status: Rec = { observedGeneration: generation };
    if (pods.length) status.replicas = pods.length;
    if (updated.length) status.updatedReplicas = updated.length;
    if (ready) status.readyReplicas = ready;
    if (ready) status.availableReplicas = ready;
    if (pods.length - ready > 0) status.unavailableReplicas = pods.length - ready;
    status.conditions = [cond('Available', available), cond('Progressing', progressing)];
    const fault = this.faults.get(d.metadata.name);
    if (fault?.kind === 'quota') {
      (status.conditions as Rec[]).push(
        cond('ReplicaFailure', { status: 'True', reason: 'FailedCreate', message: fault.message }),
      );
    }
    if (JSON.stringify(stripTimes(prev)) !== JSON.stringify(stripTimes(status))) {
      this.store.update('deployments', { ...d, status });
      if (
        progressing.reason === 'ProgressDeadlineExceeded' &&
        rec(prevConds.find((x) => x.type === 'Progressing')).reason !== progressing.reason
      ) {
        this.emit(d, 'Warning', 'ProgressDeadlineExceeded', progressing.message, 'deployment-controller');
      }
    }
  }

  private reconcileService(s: KObj): void {
    const spec = rec(s.spec);
    const key = s.metadata.uid ?? '';
    if (spec.type === 'LoadBalancer' && this.opts.loadBalancerIngress) {
      const ingress = arr(rec(rec(s.status).loadBalancer).ingress);
      if (!ingress.length) {
        if (this.lbSeen.has(key)) {
          this.store.update('services', {
            ...s,
            status: { loadBalancer: { ingress: [{ ip: `192.168.49.${this.nextLbIp++}`, ipMode: 'VIP' }] } },
          });
        } else {
          this.lbSeen.add(key);
        }
      }
    }
    const selector = spec.selector as Record<string, string> | undefined;
    if (!selector) return;
    const sel = Object.entries(selector)
      .map(([k, v]) => `${k}=${v}`)
      .join(',');
    const pods = this.store
      .list('pods', s.metadata.namespace)
      .filter((p) => matchLabelSelector(sel, p.metadata.labels));
    const addr = (p: KObj): Rec => ({
      ip: rec(p.status).podIP ?? '0.0.0.0',
      nodeName: 'minikube',
      targetRef: { kind: 'Pod', namespace: p.metadata.namespace, name: p.metadata.name, uid: p.metadata.uid },
    });
    const withIp = pods.filter((p) => typeof rec(p.status).podIP === 'string');
    const readyAddrs = withIp.filter(isPodReady).map(addr);
    const notReady = withIp.filter((p) => !isPodReady(p)).map(addr);
    const ports = arr(spec.ports).map((raw) => {
      const p = rec(raw);
      const target = typeof p.targetPort === 'number' ? p.targetPort : p.port;
      return { ...(p.name ? { name: p.name } : {}), port: target, protocol: p.protocol ?? 'TCP' };
    });
    const subsets =
      readyAddrs.length || notReady.length
        ? [
            {
              ...(readyAddrs.length ? { addresses: readyAddrs } : {}),
              ...(notReady.length ? { notReadyAddresses: notReady } : {}),
              ports,
            },
          ]
        : undefined;
    const existing = this.store.get('endpoints', s.metadata.namespace, s.metadata.name);
    const body: KObj = {
      apiVersion: 'v1',
      kind: 'Endpoints',
      metadata: {
        ...(existing?.metadata ?? {}),
        name: s.metadata.name,
        namespace: s.metadata.namespace,
        labels: s.metadata.labels ?? {},
      },
      ...(subsets ? { subsets } : {}),
    };
    if (!existing) this.store.insert('endpoints', body);
    else if (JSON.stringify(existing.subsets) !== JSON.stringify(body.subsets))
      this.store.update('endpoints', body);
  }
}

export function isPodReady(p: KObj): boolean {
  return arr(rec(p.status).conditions).some((c) => rec(c).type === 'Ready' && rec(c).status === 'True');
}

function stripTimes(status: Rec): unknown {
  return {
    ...status,
    conditions: arr(status.conditions).map((c) => ({ ...rec(c), lastUpdateTime: 0, lastTransitionTime: 0 })),
  };
}
