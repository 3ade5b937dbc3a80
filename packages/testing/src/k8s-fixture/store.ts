// The object store behind the Kubernetes wire fixture: typed-enough objects, one global resourceVersion
// counter (as etcd's revision), label/field selectors, merge patches and a minimal server-side apply
// field ownership model. Everything here is synchronous and in memory; the HTTP layer is in server.ts.
import { createHash, randomUUID } from 'node:crypto';

export type Rec = Record<string, unknown>;

export type KMeta = {
  name: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  finalizers?: string[];
  ownerReferences?: { apiVersion: string; kind: string; name: string; uid: string; controller?: boolean }[];
  managedFields?: Rec[];
  [k: string]: unknown;
};

export type KObj = {
  apiVersion: string;
  kind: string;
  metadata: KMeta;
  spec?: Rec;
  status?: Rec;
  [k: string]: unknown;
};

/** One REST resource the fixture serves. */
export type ResourceInfo = {
  resource: string;
  kind: string;
  group: string;
  version: string;
  namespaced: boolean;
  verbs: string[];
  shortNames?: string[];
};

const rw = ['create', 'delete', 'get', 'list', 'patch', 'update'];

export const resources: Record<string, ResourceInfo> = {
  namespaces: {
    resource: 'namespaces',
    kind: 'Namespace',
    group: '',
    version: 'v1',
    namespaced: false,
    verbs: rw,
    shortNames: ['ns'],
  },
  nodes: {
    resource: 'nodes',
    kind: 'Node',
    group: '',
    version: 'v1',
    namespaced: false,
    verbs: ['get', 'list'],
    shortNames: ['no'],
  },
  pods: {
    resource: 'pods',
    kind: 'Pod',
    group: '',
    version: 'v1',
    namespaced: true,
    verbs: rw,
    shortNames: ['po'],
  },
  services: {
    resource: 'services',
    kind: 'Service',
    group: '',
    version: 'v1',
    namespaced: true,
    verbs: rw,
    shortNames: ['svc'],
  },
  endpoints: {
    resource: 'endpoints',
    kind: 'Endpoints',
    group: '',
    version: 'v1',
    namespaced: true,
    verbs: rw,
    shortNames: ['ep'],
  },
  events: {
    resource: 'events',
    kind: 'Event',
    group: '',
    version: 'v1',
    namespaced: true,
    verbs: rw,
    shortNames: ['ev'],
  },
  secrets: {
    resource: 'secrets',
    kind: 'Secret',
    group: '',
    version: 'v1',
    namespaced: true,
    verbs: rw,
  },
  persistentvolumeclaims: {
    resource: 'persistentvolumeclaims',
    kind: 'PersistentVolumeClaim',
    group: '',
    version: 'v1',
    namespaced: true,
    verbs: rw,
    shortNames: ['pvc'],
  },
  deployments: {
    resource: 'deployments',
    kind: 'Deployment',
    group: 'apps',
    version: 'v1',
    namespaced: true,
    verbs: rw,
    shortNames: ['deploy'],
  },
};

export function apiVersionOf(info: ResourceInfo): string {
  return info.group ? `${info.group}/${info.version}` : info.version;
}

/** `deployments.apps` as the API server names a resource in messages. */
export function qualifiedName(info: ResourceInfo): string {
  return info.group ? `${info.resource}.${info.group}` : info.resource;
}

export function isRec(v: unknown): v is Rec {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function rec(v: unknown): Rec {
  return isRec(v) ? v : {};
}

export function arr(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

export function clone<T>(v: T): T {
  return structuredClone(v);
}

/** RFC 7386 JSON merge patch. Also used (approximately) for strategic merge patches. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isRec(patch)) return clone(patch);
  const out: Rec = isRec(target) ? clone(target) : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

/** Leaf paths of an applied configuration: the fields a manager claims. Lists count as one leaf. */
export function leafPaths(v: unknown, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  if (isRec(v)) {
    for (const [k, child] of Object.entries(v)) {
      for (const [p, val] of leafPaths(child, `${prefix}.${k}`)) out.set(p, val);
    }
  } else {
    out.set(prefix, JSON.stringify(v));
  }
  return out;
}

/** Label selector: `a=b`, `a==b`, `a!=b`, `a`, `!a`, `a in (x,y)`, `a notin (x,y)`. */
export function matchLabelSelector(
  selector: string | null,
  labels: Record<string, string> | undefined,
): boolean {
  if (!selector) return true;
  const l = labels ?? {};
  const terms = selector.match(/[^,(]+(\([^)]*\))?/g) ?? [];
  for (const raw of terms) {
    const term = raw.trim();
    if (!term) continue;
    const set = term.match(/^([^\s]+)\s+(in|notin)\s+\(([^)]*)\)$/);
    if (set) {
      const [, key = '', op, values = ''] = set;
      const vs = values.split(',').map((s) => s.trim());
      const has = key in l && vs.includes(l[key] ?? '');
      if (op === 'in' ? !has : has) return false;
      continue;
    }
    const neq = term.match(/^([^!=]+)!=(.*)$/);
    if (neq) {
      if (l[(neq[1] ?? '').trim()] === (neq[2] ?? '').trim()) return false;
      continue;
    }
    const eq = term.match(/^([^!=]+)==?(.*)$/);
    if (eq) {
      if (l[(eq[1] ?? '').trim()] !== (eq[2] ?? '').trim()) return false;
      continue;
    }
    if (term.startsWith('!')) {
      if (term.slice(1) in l) return false;
      continue;
    }
    if (!(term in l)) return false;
  }
  return true;
}

/** Field selector over dotted paths: `involvedObject.name=x,metadata.namespace!=y`. */
export function matchFieldSelector(selector: string | null, obj: KObj): boolean {
  if (!selector) return true;
  for (const term of selector.split(',')) {
    const m = term.match(/^([^!=]+)(!=|==|=)(.*)$/);
    if (!m) continue;
    const [, path = '', op, want = ''] = m;
    let cur: unknown = obj;
    for (const part of path.trim().split('.')) cur = rec(cur)[part];
    const got = cur === undefined || cur === null ? '' : String(cur);
    if (op === '!=' ? got === want : got !== want) return false;
  }
  return true;
}

export function shortHash(v: unknown): string {
  return createHash('sha256').update(JSON.stringify(v)).digest('hex').slice(0, 10);
}

export class Store {
  private rv = 1;
  private readonly objects = new Map<string, KObj>();

  private key(resource: string, namespace: string | undefined, name: string): string {
    return `${resource}/${namespace ?? ''}/${name}`;
  }

  get revision(): string {
    return String(this.rv);
  }

  get(resource: string, namespace: string | undefined, name: string): KObj | undefined {
    return this.objects.get(this.key(resource, namespace, name));
  }

  list(resource: string, namespace?: string): KObj[] {
    const out: KObj[] = [];
    for (const [k, o] of this.objects) {
      if (!k.startsWith(`${resource}/`)) continue;
      if (namespace !== undefined && o.metadata.namespace !== namespace) continue;
      out.push(o);
    }
    return out.sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
  }

  /** Inserts a new object: uid, creationTimestamp, generation 1 and a fresh resourceVersion. */
  insert(resource: string, obj: KObj): KObj {
    const info = resources[resource];
    const o = clone(obj);
    if (info) {
      o.apiVersion = apiVersionOf(info);
      o.kind = info.kind;
    }
    o.metadata.uid = randomUUID();
    o.metadata.creationTimestamp = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    o.metadata.generation = 1;
    o.metadata.resourceVersion = String(++this.rv);
    this.objects.set(this.key(resource, o.metadata.namespace, o.metadata.name), o);
    return o;
  }

  /** Replaces an existing object, bumping resourceVersion, and generation when the spec changed. */
  update(resource: string, obj: KObj): KObj {
    const prev = this.get(resource, obj.metadata.namespace, obj.metadata.name);
    const o = clone(obj);
    if (prev) {
      o.metadata.uid = prev.metadata.uid;
      o.metadata.creationTimestamp = prev.metadata.creationTimestamp;
      const gen = prev.metadata.generation ?? 1;
      o.metadata.generation =
        JSON.stringify(prev.spec ?? null) === JSON.stringify(o.spec ?? null) ? gen : gen + 1;
      if (
        JSON.stringify(prev) ===
        JSON.stringify({ ...o, metadata: { ...o.metadata, resourceVersion: prev.metadata.resourceVersion } })
      ) {
        return prev;
      }
    }
    o.metadata.resourceVersion = String(++this.rv);
    this.objects.set(this.key(resource, o.metadata.namespace, o.metadata.name), o);
    return o;
  }

  /** The whole state, to be put back with `restore` (a dry-run request persists nothing). */
  snapshot(): { rv: number; objects: Map<string, KObj> } {
    return { rv: this.rv, objects: new Map(this.objects) };
  }

  restore(saved: { rv: number; objects: Map<string, KObj> }): void {
    this.rv = saved.rv;
    this.objects.clear();
    for (const [k, o] of saved.objects) this.objects.set(k, o);
  }

  remove(resource: string, namespace: string | undefined, name: string): KObj | undefined {
    const k = this.key(resource, namespace, name);
    const o = this.objects.get(k);
    this.objects.delete(k);
    if (o) this.rv++;
    return o;
  }
}
