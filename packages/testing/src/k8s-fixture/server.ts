// A wire-level stand-in for a Kubernetes API server: real HTTP, real paths, real Status objects, real
// server-side apply content type and field-manager conflicts. No API server can run on this machine, so
// the Kubernetes driver is tested against this; the same tests run against a real cluster when
// K8S_INTEGRATION_TESTS=1. kubectl itself talks to it (see k8s-fixture.int.test.ts), which keeps it honest.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CrashReason, FixtureController, type WorkloadFault } from './controller.ts';
import {
  apiVersionOf,
  arr,
  isRec,
  type KObj,
  leafPaths,
  matchFieldSelector,
  matchLabelSelector,
  mergePatch,
  qualifiedName,
  type Rec,
  type ResourceInfo,
  rec,
  resources,
  Store,
} from './store.ts';

export type K8sFixtureOptions = {
  /** kubeconfig context (and cluster/user) name. */
  context?: string;
  /** Controller loop period; keep it tiny in tests. */
  tickMs?: number;
  /** Overrides every deployment's progressDeadlineSeconds. */
  progressDeadlineMs?: number;
  /** When false, LoadBalancer services stay without ingress (like minikube without a tunnel). */
  loadBalancerIngress?: boolean;
  /** Serve metrics.k8s.io from the start with this per-container usage. */
  metrics?: PodUsage | null;
  /** Reported by GET /version. */
  gitVersion?: string;
};

/** Per-container usage in Kubernetes quantities, e.g. `{ cpu: '25m', memory: '64Mi' }`. */
export type PodUsage = { cpu: string; memory: string };

export type RecordedRequest = {
  method: string;
  path: string;
  query: Record<string, string>;
  contentType: string;
  /** Set on a request held by `holdMatching`: true once the client gave up on it (closed the connection). */
  aborted?: boolean;
};

export type K8sFixture = {
  url: string;
  kubeconfigYaml: string;
  kubeconfigPath: string;
  context: string;
  /** Makes every pod of this deployment (any namespace) fail with `reason`; `logLines` become its logs. */
  crashPodsOf(deploymentName: string, reason: CrashReason, logLines?: string[]): void;
  /** Makes every pod of this deployment fail in one of the ways of `WorkloadFault` (see faults.ts). */
  breakWorkload(deploymentName: string, fault: WorkloadFault): void;
  /** Lets the deployment's pods start normally again. */
  healPodsOf(deploymentName: string): void;
  /** Sets (or adds) a condition of the `minikube` node, e.g. Ready=False or MemoryPressure=True. */
  setNodeCondition(
    type: string,
    status: 'True' | 'False' | 'Unknown',
    reason?: string,
    message?: string,
  ): void;
  /** Replaces the `minikube` node's taints. */
  setNodeTaints(taints: { key: string; value?: string; effect: string }[]): void;
  /** Creates an object as a client would (POST), e.g. a Service or a PersistentVolumeClaim. */
  createObject(resource: string, namespace: string | undefined, body: Record<string, unknown>): KObj;
  /** Serves metrics.k8s.io with this usage for every running container; null removes the API group. */
  setMetrics(usage: PodUsage | null): void;
  /** The next `times` requests answer `code` with a Status body (e.g. 500, 503). */
  failNext(code: number, times?: number): void;
  /** Every request matching `match` answers `code` (an admission webhook refusing it); null stops. */
  failMatching(match: ((r: RecordedRequest) => boolean) | null, code?: number, message?: string): void;
  /**
   * Every request matching `match` is held unanswered (an API server that hangs) until the client
   * aborts it, which sets `aborted` on its recorded request, or the fixture closes; null stops holding.
   */
  holdMatching(match: ((r: RecordedRequest) => boolean) | null): void;
  /** Every request seen, for assertions on the wire (content types, fieldManager, ...). */
  requests: RecordedRequest[];
  /** Reads an object straight from the store (tests only). */
  getObject(resource: string, namespace: string | undefined, name: string): KObj | undefined;
  close(): Promise<void>;
};

export type { CrashReason, WorkloadFault };

class HttpError extends Error {
  readonly body: Rec;
  readonly code: number;
  constructor(code: number, reason: string, message: string, details?: Rec) {
    super(message);
    this.code = code;
    this.body = statusBody(code, reason, message, details);
  }
}

function statusBody(code: number, reason: string, message: string, details?: Rec): Rec {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: code < 400 ? 'Success' : 'Failure',
    message,
    reason,
    ...(details ? { details } : {}),
    code,
  };
}

const notFound = (info: ResourceInfo, name: string): HttpError =>
  new HttpError(404, 'NotFound', `${qualifiedName(info)} "${name}" not found`, {
    name,
    ...(info.group ? { group: info.group } : {}),
    kind: info.resource,
  });

function send(res: ServerResponse, code: number, body: unknown): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(code, {
    'content-type': typeof body === 'string' ? 'text/plain' : 'application/json',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function parseJson(text: string): Rec {
  try {
    const v: unknown = JSON.parse(text);
    if (isRec(v)) return v;
  } catch {
    // fall through: the fixture only decodes JSON, which every client here sends (JSON is valid YAML)
  }
  throw new HttpError(400, 'BadRequest', 'the fixture only decodes JSON request bodies');
}

function fieldsV1(paths: Iterable<string>): Rec {
  const root: Rec = {};
  for (const p of paths) {
    let cur = root;
    for (const part of p.split('.').slice(1)) {
      const k = `f:${part}`;
      if (!isRec(cur[k])) cur[k] = {};
      cur = cur[k] as Rec;
    }
  }
  return root;
}

function getPath(obj: unknown, path: string): unknown {
  let cur = obj;
  for (const part of path.split('.').slice(1)) cur = rec(cur)[part];
  return cur;
}

function deletePath(obj: Rec, path: string): void {
  const parts = path.split('.').slice(1);
  const last = parts.pop();
  let cur: unknown = obj;
  for (const part of parts) cur = rec(cur)[part];
  if (isRec(cur) && last !== undefined) delete cur[last];
}

/** Paths server-side apply does not track (identity and server-owned metadata). */
function trackable(path: string): boolean {
  return !/^\.(apiVersion|kind|status)(\.|$)|^\.metadata\.(name|namespace|uid|resourceVersion|generation|creationTimestamp|managedFields)(\.|$)/.test(
    path,
  );
}

export async function startK8sFixture(opts: K8sFixtureOptions = {}): Promise<K8sFixture> {
  const store = new Store();
  const controller = new FixtureController(store, {
    loadBalancerIngress: opts.loadBalancerIngress ?? true,
    ...(opts.progressDeadlineMs !== undefined ? { progressDeadlineMs: opts.progressDeadlineMs } : {}),
  });
  const context = opts.context ?? 'slipway-fixture';
  const requests: RecordedRequest[] = [];
  // Field ownership per object uid: path -> manager. Drives SSA conflicts and removal of dropped fields.
  const owners = new Map<string, Map<string, string>>();
  let metrics: PodUsage | null = opts.metrics ?? null;
  let failures: { code: number; times: number } | null = null;
  let refusal: { match: (r: RecordedRequest) => boolean; code: number; message: string } | null = null;
  let hold: ((r: RecordedRequest) => boolean) | null = null;
  let nextClusterIp = 10;
  let nextNodePort = 30080;

  for (const ns of ['default', 'kube-system', 'kube-public']) {
    store.insert('namespaces', {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: ns },
      status: { phase: 'Active' },
    });
  }
  store.insert('nodes', {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: 'minikube',
      labels: { 'kubernetes.io/hostname': 'minikube', 'node-role.kubernetes.io/control-plane': '' },
    },
    status: {
      capacity: { cpu: '2', memory: '4015360Ki', pods: '110' },
      allocatable: { cpu: '2', memory: '4015360Ki', pods: '110' },
      conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady' }],
      nodeInfo: { kubeletVersion: opts.gitVersion ?? 'v1.31.0' },
    },
  });

  const recordUpdate = (o: KObj, manager: string, patch: unknown): void => {
    const map = owners.get(o.metadata.uid ?? '') ?? new Map<string, string>();
    for (const p of leafPaths(patch).keys()) if (trackable(p)) map.set(p, manager);
    owners.set(o.metadata.uid ?? '', map);
    o.metadata.managedFields = managedFieldsOf(o, map, 'Update', manager);
  };

  const managedFieldsOf = (o: KObj, map: Map<string, string>, lastOp: string, lastManager: string): Rec[] => {
    const byManager = new Map<string, string[]>();
    for (const [p, m] of map) byManager.set(m, [...(byManager.get(m) ?? []), p]);
    const prevOps = new Map(
      arr(o.metadata.managedFields).map((e) => [String(rec(e).manager), String(rec(e).operation)]),
    );
    return [...byManager].map(([manager, paths]) => ({
      manager,
      operation: manager === lastManager ? lastOp : (prevOps.get(manager) ?? 'Update'),
      apiVersion: o.apiVersion,
      time: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
      fieldsType: 'FieldsV1',
      fieldsV1: fieldsV1(paths),
    }));
  };

  const requireNamespace = (ns: string): void => {
    if (!store.get('namespaces', undefined, ns)) {
      throw new HttpError(404, 'NotFound', `namespaces "${ns}" not found`, { name: ns, kind: 'namespaces' });
    }
  };

  const prepareNew = (info: ResourceInfo, o: KObj): void => {
    if (info.resource === 'services') {
      const spec = rec(o.spec);
      spec.type ??= 'ClusterIP';
      if (spec.clusterIP !== 'None') {
        const ip = `10.96.${Math.floor(nextClusterIp / 250)}.${(nextClusterIp % 250) + 1}`;
        nextClusterIp++;
        spec.clusterIP = ip;
        spec.clusterIPs = [ip];
      }
      spec.ports = arr(spec.ports).map((raw) => {
        const p = { ...rec(raw) };
        p.protocol ??= 'TCP';
        p.targetPort ??= p.port;
        if ((spec.type === 'NodePort' || spec.type === 'LoadBalancer') && p.nodePort === undefined)
          p.nodePort = nextNodePort++;
        return p;
      });
      spec.sessionAffinity ??= 'None';
      o.spec = spec;
      o.status = { loadBalancer: {} };
    }
    if (info.resource === 'deployments') {
      const spec = rec(o.spec);
      spec.replicas ??= 1;
      spec.progressDeadlineSeconds ??= 600;
      spec.revisionHistoryLimit ??= 10;
      spec.strategy ??= { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } };
      o.spec = spec;
      o.status = {};
    }
    if (info.resource === 'persistentvolumeclaims') {
      o.status = { phase: 'Pending' };
    }
    if (info.resource === 'namespaces') {
      o.spec = { finalizers: ['kubernetes'] };
      o.status = { phase: 'Active' };
    }
  };

  const create = (info: ResourceInfo, ns: string | undefined, body: Rec, manager: string): KObj => {
    const meta = rec(body.metadata);
    let name = typeof meta.name === 'string' ? meta.name : '';
    if (!name && typeof meta.generateName === 'string')
      name = `${meta.generateName}${randomBytes(3).toString('hex').slice(0, 5)}`;
    if (!name)
      throw new HttpError(
        422,
        'Invalid',
        `${info.kind} "" is invalid: metadata.name: Required value: name or generateName is required`,
      );
    if (ns) requireNamespace(ns);
    if (store.get(info.resource, ns, name)) {
      throw new HttpError(409, 'AlreadyExists', `${qualifiedName(info)} "${name}" already exists`, {
        name,
        ...(info.group ? { group: info.group } : {}),
        kind: info.resource,
      });
    }
    const o = {
      ...body,
      apiVersion: apiVersionOf(info),
      kind: info.kind,
      metadata: { ...meta, name, ...(ns ? { namespace: ns } : {}) },
    } as KObj;
    delete o.metadata.resourceVersion;
    prepareNew(info, o);
    const created = store.insert(info.resource, o);
    recordUpdate(created, manager, body);
    return created;
  };

  const apply = (
    info: ResourceInfo,
    ns: string | undefined,
    name: string,
    body: Rec,
    q: URLSearchParams,
  ): KObj => {
    const manager = q.get('fieldManager');
    if (!manager) {
      throw new HttpError(
        422,
        'Invalid',
        'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch',
      );
    }
    if (body.apiVersion !== apiVersionOf(info) || body.kind !== info.kind) {
      throw new HttpError(
        400,
        'BadRequest',
        `apply patch for ${info.kind} must set apiVersion ${apiVersionOf(info)} and kind ${info.kind}`,
      );
    }
    const meta = rec(body.metadata);
    if (meta.name !== undefined && meta.name !== name) {
      throw new HttpError(400, 'BadRequest', 'the name of the object does not match the name on the URL');
    }
    const applied = leafPaths(body);
    const existing = store.get(info.resource, ns, name);
    if (!existing) {
      const created = create(info, ns, { ...body, metadata: { ...meta, name } }, manager);
      const map = new Map<string, string>();
      for (const p of applied.keys()) if (trackable(p)) map.set(p, manager);
      owners.set(created.metadata.uid ?? '', map);
      created.metadata.managedFields = managedFieldsOf(created, map, 'Apply', manager);
      return created;
    }
    const map = owners.get(existing.metadata.uid ?? '') ?? new Map<string, string>();
    const conflicts: { field: string; manager: string }[] = [];
    for (const [p, v] of applied) {
      if (!trackable(p)) continue;
      const owner = map.get(p);
      if (owner && owner !== manager && JSON.stringify(getPath(existing, p)) !== v)
        conflicts.push({ field: p, manager: owner });
    }
    if (conflicts.length && q.get('force') !== 'true') {
      const list = conflicts.map((c) => `conflict with "${c.manager}": ${c.field}`).join('\n- ');
      throw new HttpError(
        409,
        'Conflict',
        `Apply failed with ${conflicts.length} conflict${conflicts.length > 1 ? 's' : ''}: ${list}`,
        {
          name,
          ...(info.group ? { group: info.group } : {}),
          kind: info.resource,
          causes: conflicts.map((c) => ({
            reason: 'FieldManagerConflict',
            message: `conflict with "${c.manager}"`,
            field: c.field,
          })),
        },
      );
    }
    const next = structuredClone(existing) as Rec;
    // Fields this manager applied before and no longer applies are removed (unless someone else owns them).
    for (const [p, m] of [...map]) {
      if (m === manager && !applied.has(p)) {
        deletePath(next, p);
        map.delete(p);
      }
    }
    const merged = mergePatch(next, { ...body, metadata: { ...meta, name } }) as KObj;
    for (const p of applied.keys()) if (trackable(p)) map.set(p, manager);
    owners.set(existing.metadata.uid ?? '', map);
    merged.metadata.managedFields = managedFieldsOf(existing, map, 'Apply', manager);
    return store.update(info.resource, merged);
  };

  const remove = (
    info: ResourceInfo,
    ns: string | undefined,
    name: string,
    q: URLSearchParams,
    body: Rec,
  ): Rec => {
    const o = store.get(info.resource, ns, name);
    if (!o) throw notFound(info, name);
    const policy =
      q.get('propagationPolicy') ??
      (typeof body.propagationPolicy === 'string' ? body.propagationPolicy : null);
    if (info.resource === 'deployments' && policy === 'Foreground') {
      // Dependents first: the controller deletes the pods, then the deployment, on its next tick.
      const marked = store.update('deployments', {
        ...o,
        metadata: {
          ...o.metadata,
          deletionTimestamp: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
          finalizers: ['foregroundDeletion'],
        },
      });
      return marked;
    }
    store.remove(info.resource, ns, name);
    owners.delete(o.metadata.uid ?? '');
    if (info.resource === 'namespaces') {
      for (const r of Object.values(resources)) {
        if (r.namespaced)
          for (const x of store.list(r.resource, name)) store.remove(r.resource, name, x.metadata.name);
      }
    }
    return {
      ...statusBody(200, '', ''),
      status: 'Success',
      details: {
        name,
        ...(info.group ? { group: info.group } : {}),
        kind: info.resource,
        uid: o.metadata.uid,
      },
    };
  };

  const scaleOf = (d: KObj): Rec => ({
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: {
      name: d.metadata.name,
      namespace: d.metadata.namespace,
      uid: d.metadata.uid,
      resourceVersion: d.metadata.resourceVersion,
      creationTimestamp: d.metadata.creationTimestamp,
    },
    spec: { replicas: rec(d.spec).replicas ?? 1 },
    status: {
      replicas: rec(d.status).replicas ?? 0,
      selector: Object.entries(rec(rec(d.spec).selector).matchLabels ?? {})
        .map(([k, v]) => `${k}=${String(v)}`)
        .join(','),
    },
  });

  const discovery = (groupVersion: string, list: ResourceInfo[]): Rec => ({
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion,
    resources: list.flatMap((r) => [
      {
        name: r.resource,
        singularName: r.kind.toLowerCase(),
        namespaced: r.namespaced,
        kind: r.kind,
        verbs: r.verbs,
        ...(r.shortNames ? { shortNames: r.shortNames } : {}),
      },
      ...(r.resource === 'deployments'
        ? [
            {
              name: 'deployments/scale',
              singularName: '',
              namespaced: true,
              group: 'autoscaling',
              version: 'v1',
              kind: 'Scale',
              verbs: ['get', 'patch', 'update'],
            },
            {
              name: 'deployments/status',
              singularName: '',
              namespaced: true,
              kind: 'Deployment',
              verbs: ['get', 'patch', 'update'],
            },
          ]
        : []),
      ...(r.resource === 'pods'
        ? [{ name: 'pods/log', singularName: '', namespaced: true, kind: 'Pod', verbs: ['get'] }]
        : []),
    ]),
  });

  const podMetrics = (p: KObj, usage: PodUsage): Rec => ({
    kind: 'PodMetrics',
    apiVersion: 'metrics.k8s.io/v1beta1',
    metadata: { name: p.metadata.name, namespace: p.metadata.namespace },
    timestamp: new Date().toISOString(),
    window: '30s',
    containers: arr(rec(p.spec).containers).map((c) => ({
      name: rec(c).name,
      usage: { cpu: usage.cpu, memory: usage.memory },
    })),
  });

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://fixture');
    const method = req.method ?? 'GET';
    const q = url.searchParams;
    const contentType =
      String(req.headers['content-type'] ?? '')
        .split(';')[0]
        ?.trim() ?? '';
    const recorded: RecordedRequest = {
      method,
      path: url.pathname,
      query: Object.fromEntries(q),
      contentType,
    };
    requests.push(recorded);
    const text = await readBody(req);
    if (hold?.(recorded)) {
      recorded.aborted = false;
      await new Promise<void>((resolve) =>
        res.once('close', () => {
          recorded.aborted = !res.writableEnded;
          resolve();
        }),
      );
      return;
    }
    if (refusal?.match(recorded)) {
      throw new HttpError(refusal.code, refusal.code === 403 ? 'Forbidden' : 'Invalid', refusal.message);
    }
    if (failures && failures.times > 0) {
      failures.times--;
      const code = failures.code;
      const reason: Record<number, string> = {
        400: 'BadRequest',
        401: 'Unauthorized',
        403: 'Forbidden',
        404: 'NotFound',
        409: 'Conflict',
        422: 'Invalid',
        429: 'TooManyRequests',
        503: 'ServiceUnavailable',
      };
      throw new HttpError(code, reason[code] ?? 'InternalError', `injected failure ${code}`);
    }
    const segs = url.pathname.split('/').filter(Boolean);
    const path = url.pathname.replace(/\/+$/, '');

    if (path === '/version') {
      return send(res, 200, {
        major: '1',
        minor: (opts.gitVersion ?? 'v1.31.0').split('.')[1] ?? '31',
        gitVersion: opts.gitVersion ?? 'v1.31.0',
        gitCommit: 'fixture',
        gitTreeState: 'clean',
        buildDate: '2024-08-13T07:28:49Z',
        goVersion: 'go1.22.5',
        compiler: 'gc',
        platform: 'linux/amd64',
      });
    }
    if (path === '/healthz' || path === '/readyz' || path === '/livez') return send(res, 200, 'ok');
    if (path === '/api') {
      return send(res, 200, {
        kind: 'APIVersions',
        versions: ['v1'],
        serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: url.host }],
      });
    }
    if (path === '/apis') {
      const groups: Rec[] = [
        {
          name: 'apps',
          versions: [{ groupVersion: 'apps/v1', version: 'v1' }],
          preferredVersion: { groupVersion: 'apps/v1', version: 'v1' },
        },
      ];
      if (metrics) {
        groups.push({
          name: 'metrics.k8s.io',
          versions: [{ groupVersion: 'metrics.k8s.io/v1beta1', version: 'v1beta1' }],
          preferredVersion: { groupVersion: 'metrics.k8s.io/v1beta1', version: 'v1beta1' },
        });
      }
      return send(res, 200, { kind: 'APIGroupList', apiVersion: 'v1', groups });
    }
    if (path === '/api/v1') {
      return send(
        res,
        200,
        discovery(
          'v1',
          Object.values(resources).filter((r) => r.group === ''),
        ),
      );
    }
    if (path === '/apis/apps/v1') {
      return send(
        res,
        200,
        discovery(
          'apps/v1',
          Object.values(resources).filter((r) => r.group === 'apps'),
        ),
      );
    }

    if (segs[0] === 'apis' && segs[1] === 'metrics.k8s.io') {
      if (!metrics) throw new HttpError(404, 'NotFound', 'the server could not find the requested resource');
      const usage = metrics;
      if (segs[3] === 'nodes') {
        return send(res, 200, {
          kind: 'NodeMetricsList',
          apiVersion: 'metrics.k8s.io/v1beta1',
          metadata: {},
          items: store.list('nodes').map((n) => ({
            metadata: { name: n.metadata.name },
            timestamp: new Date().toISOString(),
            window: '30s',
            usage: { cpu: '250m', memory: '1024Mi' },
          })),
        });
      }
      const ns = segs[3] === 'namespaces' ? segs[4] : undefined;
      const pods = store.list('pods', ns).filter((p) => rec(p.status).phase === 'Running');
      const podName = segs[6];
      if (podName) {
        const p = pods.find((x) => x.metadata.name === podName);
        if (!p) throw new HttpError(404, 'NotFound', `podmetrics.metrics.k8s.io "${podName}" not found`);
        return send(res, 200, podMetrics(p, usage));
      }
      return send(res, 200, {
        kind: 'PodMetricsList',
        apiVersion: 'metrics.k8s.io/v1beta1',
        metadata: {},
        items: pods
          .filter((p) => matchLabelSelector(q.get('labelSelector'), p.metadata.labels))
          .map((p) => podMetrics(p, usage)),
      });
    }

    // /api/v1/... or /apis/apps/v1/...
    let rest: string[];
    let group: string;
    if (segs[0] === 'api' && segs[1] === 'v1') {
      rest = segs.slice(2);
      group = '';
    } else if (segs[0] === 'apis' && segs[1] === 'apps' && segs[2] === 'v1') {
      rest = segs.slice(3);
      group = 'apps';
    } else {
      throw new HttpError(404, 'NotFound', 'the server could not find the requested resource');
    }
    let ns: string | undefined;
    if (rest[0] === 'namespaces' && rest.length >= 3) {
      ns = rest[1];
      rest = rest.slice(2);
    }
    const [resourceName = '', name, sub] = rest;
    const info = resources[resourceName];
    if (!info || info.group !== group || (ns !== undefined && !info.namespaced)) {
      throw new HttpError(404, 'NotFound', 'the server could not find the requested resource');
    }
    const body = text ? parseJson(text) : {};
    const manager = q.get('fieldManager') ?? 'unknown';
    const dryRun = q.get('dryRun');
    if (dryRun !== null && dryRun !== 'All' && method !== 'GET') {
      throw new HttpError(400, 'BadRequest', `Invalid dry run directive "${dryRun}": only "All" is valid`);
    }
    if (dryRun === 'All' && method !== 'GET' && sub !== 'scale') {
      // dryRun=All: every check a write makes (validation, conflicts, admission refusals above) runs and the
      // answer is what would be stored, but nothing is: the state is put back before anything else runs
      // (the whole request below is synchronous, so no controller tick sees the dry-run object).
      const saved = {
        store: store.snapshot(),
        owners: new Map([...owners].map(([uid, m]) => [uid, new Map(m)])),
        nextClusterIp,
        nextNodePort,
      };
      try {
        return resourceRequest(info);
      } finally {
        store.restore(saved.store);
        owners.clear();
        for (const [uid, m] of saved.owners) owners.set(uid, m);
        nextClusterIp = saved.nextClusterIp;
        nextNodePort = saved.nextNodePort;
      }
    }
    return resourceRequest(info);

    function resourceRequest(info: ResourceInfo) {
      if (name === undefined) {
        if (method === 'GET') {
          if (q.get('watch') === 'true' || q.get('watch') === '1') {
            throw new HttpError(
              405,
              'MethodNotAllowed',
              'the fixture does not implement watch; poll instead',
            );
          }
          const items = store
            .list(info.resource, ns)
            .filter(
              (o) =>
                matchLabelSelector(q.get('labelSelector'), o.metadata.labels) &&
                matchFieldSelector(q.get('fieldSelector'), o),
            );
          return send(res, 200, {
            kind: `${info.kind}List`,
            apiVersion: apiVersionOf(info),
            metadata: { resourceVersion: store.revision },
            items,
          });
        }
        if (method === 'POST') {
          if (info.namespaced && ns === undefined)
            throw new HttpError(405, 'MethodNotAllowed', 'create needs a namespace');
          return send(res, 201, create(info, ns, body, manager));
        }
        throw new HttpError(
          405,
          'MethodNotAllowed',
          `the server does not allow this method on the requested resource`,
        );
      }
      if (info.namespaced && ns === undefined)
        throw new HttpError(404, 'NotFound', 'the server could not find the requested resource');

      if (sub === 'log' && info.resource === 'pods' && method === 'GET') {
        const pod = store.get('pods', ns, name);
        if (!pod) throw notFound(info, name);
        const lines = controller.podLogs(ns ?? '', name) ?? [];
        const tail = Number(q.get('tailLines') ?? '0');
        const out = tail > 0 ? lines.slice(-tail) : lines;
        return send(res, 200, out.length ? `${out.join('\n')}\n` : '');
      }
      if (sub === 'scale' && info.resource === 'deployments') {
        const d = store.get('deployments', ns, name);
        if (!d) throw notFound(info, name);
        if (method === 'GET') return send(res, 200, scaleOf(d));
        let replicas: unknown;
        if (method === 'PUT') {
          const rv = rec(body.metadata).resourceVersion;
          if (rv !== undefined && rv !== d.metadata.resourceVersion) {
            throw new HttpError(
              409,
              'Conflict',
              `Operation cannot be fulfilled on deployments.apps "${name}": the object has been modified; please apply your changes to the latest version and try again`,
              { name, group: 'apps', kind: 'deployments' },
            );
          }
          replicas = rec(body.spec).replicas;
        } else if (method === 'PATCH') {
          replicas = rec(rec(mergePatch(scaleOf(d), body)).spec).replicas;
        } else {
          throw new HttpError(
            405,
            'MethodNotAllowed',
            'the server does not allow this method on the requested resource',
          );
        }
        if (typeof replicas !== 'number' || replicas < 0 || !Number.isInteger(replicas)) {
          throw new HttpError(
            422,
            'Invalid',
            `Scale.autoscaling "${name}" is invalid: spec.replicas: Invalid value`,
          );
        }
        const dryRun = q.get('dryRun');
        if (dryRun !== null) {
          if (dryRun !== 'All')
            throw new HttpError(
              400,
              'BadRequest',
              `Invalid dry run directive "${dryRun}": only "All" is valid`,
            );
          // Admission ran; nothing is persisted (no generation bump, no resourceVersion change).
          return send(res, 200, scaleOf({ ...d, spec: { ...rec(d.spec), replicas } }));
        }
        const next = store.update('deployments', { ...d, spec: { ...rec(d.spec), replicas } });
        recordUpdate(next, manager, { spec: { replicas } });
        return send(res, 200, scaleOf(next));
      }
      if (sub === 'status' && info.resource === 'deployments' && method === 'GET') {
        const d = store.get('deployments', ns, name);
        if (!d) throw notFound(info, name);
        return send(res, 200, d);
      }
      if (sub !== undefined)
        throw new HttpError(404, 'NotFound', 'the server could not find the requested resource');

      if (method === 'GET') {
        const o = store.get(info.resource, ns, name);
        if (!o) throw notFound(info, name);
        return send(res, 200, o);
      }
      if (method === 'DELETE') return send(res, 200, remove(info, ns, name, q, body));
      if (method === 'PUT') {
        const o = store.get(info.resource, ns, name);
        if (!o) throw notFound(info, name);
        const rv = rec(body.metadata).resourceVersion;
        if (rv !== undefined && rv !== o.metadata.resourceVersion) {
          throw new HttpError(
            409,
            'Conflict',
            `Operation cannot be fulfilled on ${qualifiedName(info)} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
            { name, ...(info.group ? { group: info.group } : {}), kind: info.resource },
          );
        }
        const next = store.update(info.resource, {
          ...(body as KObj),
          apiVersion: o.apiVersion,
          kind: o.kind,
          status: o.status,
          metadata: { ...rec(body.metadata), name, ...(ns ? { namespace: ns } : {}) },
        });
        recordUpdate(next, manager, body);
        return send(res, 200, next);
      }
      if (method === 'PATCH') {
        if (contentType === 'application/apply-patch+yaml') {
          const existed = store.get(info.resource, ns, name) !== undefined;
          return send(res, existed ? 200 : 201, apply(info, ns, name, body, q));
        }
        if (
          contentType === 'application/merge-patch+json' ||
          contentType === 'application/strategic-merge-patch+json'
        ) {
          const o = store.get(info.resource, ns, name);
          if (!o) throw notFound(info, name);
          const merged = mergePatch(o, body) as KObj;
          merged.metadata = { ...merged.metadata, name, uid: o.metadata.uid };
          if (ns) merged.metadata.namespace = ns;
          const next = store.update(info.resource, merged);
          recordUpdate(next, manager, body);
          return send(res, 200, next);
        }
        throw new HttpError(
          415,
          'UnsupportedMediaType',
          `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml`,
        );
      }
      throw new HttpError(
        405,
        'MethodNotAllowed',
        'the server does not allow this method on the requested resource',
      );
    }
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      if (e instanceof HttpError) send(res, e.code, e.body);
      else send(res, 500, statusBody(500, 'InternalError', e instanceof Error ? e.message : String(e)));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}`;
  const timer = setInterval(() => controller.tick(), opts.tickMs ?? 20);
  timer.unref();

  const kubeconfigYaml = [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    `- name: ${context}`,
    '  cluster:',
    `    server: ${url}`,
    // client-node refuses plain http unless TLS verification is explicitly skipped.
    '    insecure-skip-tls-verify: true',
    'contexts:',
    `- name: ${context}`,
    '  context:',
    `    cluster: ${context}`,
    `    user: ${context}`,
    '    namespace: default',
    `current-context: ${context}`,
    'users:',
    `- name: ${context}`,
    '  user:',
    '    token: fixture-token',
    '',
  ].join('\n');
  const dir = mkdtempSync(join(tmpdir(), 'k8s-fixture-'));
  const kubeconfigPath = join(dir, 'kubeconfig');
  writeFileSync(kubeconfigPath, kubeconfigYaml);

  return {
    url,
    kubeconfigYaml,
    kubeconfigPath,
    context,
    requests,
    crashPodsOf: (deploymentName, reason, logLines) => controller.crash(deploymentName, reason, logLines),
    breakWorkload: (deploymentName, fault) => controller.breakWorkload(deploymentName, fault),
    healPodsOf: (deploymentName) => controller.heal(deploymentName),
    setNodeCondition: (type, status, reason, message) => {
      const node = store.get('nodes', undefined, 'minikube');
      if (!node) return;
      const conditions = arr(rec(node.status).conditions).map(rec);
      const next = {
        type,
        status,
        ...(reason ? { reason } : {}),
        ...(message ? { message } : {}),
        lastTransitionTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
      };
      const i = conditions.findIndex((c) => c.type === type);
      if (i >= 0) conditions[i] = next;
      else conditions.push(next);
      store.update('nodes', { ...node, status: { ...rec(node.status), conditions } });
    },
    setNodeTaints: (taints) => {
      const node = store.get('nodes', undefined, 'minikube');
      if (!node) return;
      store.update('nodes', { ...node, spec: { ...rec(node.spec), taints } });
    },
    createObject: (resource, namespace, body) => {
      const info = resources[resource];
      if (!info) throw new Error(`the fixture does not serve ${resource}`);
      return create(info, namespace, body, 'fixture-test');
    },
    setMetrics: (usage) => {
      metrics = usage;
    },
    failNext: (code, times = 1) => {
      failures = { code, times };
    },
    failMatching: (
      match,
      code = 422,
      message = 'admission webhook "policy.example.com" denied the request',
    ) => {
      refusal = match ? { match, code, message } : null;
    },
    holdMatching: (match) => {
      hold = match;
    },
    getObject: (resource, namespace, name) => store.get(resource, namespace, name),
    close: async () => {
      clearInterval(timer);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
