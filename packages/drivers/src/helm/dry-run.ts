// The second half of a chart install's server-side dry run. helm 4's `--dry-run=server` talks to the cluster
// (release history, lookups, discovery, resources that exist without belonging to the release) but stops
// before sending the objects (pkg/action/install.go: "Bail out here if it is a dry run"), so the API server's
// own validation and admission never see them. Here each rendered object is sent exactly as helm's install
// sends it — server-side apply, field manager `helm`, no force, fieldValidation=Strict, helm's ownership
// labels and annotations — with dryRun=All: the API server runs every stage and persists nothing.
import type { Configuration, HttpMethod, ObservableMiddleware } from '@kubernetes/client-node';
import { k8s } from '../kubernetes/client.ts';
import { toDriverError } from '../kubernetes/errors.ts';
import type { ChartDryRunObject } from '../types.ts';
import { DriverError } from '../types.ts';
import type { RenderedObject } from './helm-args.ts';

/** helm's field manager: the base name of its binary (pkg/kube/client.go getManagedFieldsManager). */
export const HELM_FIELD_MANAGER = 'helm';

const REQUEST_TIMEOUT_MS = 30_000;

/** The client's discovery (apiVersion + kind -> resource name, namespaced), cached per instance. */
function discoveryFor(config: Configuration) {
  class Discovery extends k8s().KubernetesObjectApi {
    lookup(apiVersion: string, kind: string) {
      return this.resource(apiVersion, kind);
    }
  }
  return new Discovery(config);
}

export type AdmitInput = {
  /** kubeconfig file; default: KUBECONFIG or ~/.kube/config, as helm reads it. */
  kubeconfigPath?: string;
  context: string;
  release: string;
  namespace: string;
  objects: RenderedObject[];
  signal: AbortSignal;
  requestTimeoutMs?: number;
};

/** What helm's setMetadataVisitor adds to every object it installs. */
function asHelmInstallsIt(body: Record<string, unknown>, release: string, namespace: string) {
  const o = structuredClone(body);
  const meta = { ...((o.metadata ?? {}) as Record<string, unknown>) };
  meta.labels = {
    ...((meta.labels ?? {}) as Record<string, string>),
    'app.kubernetes.io/managed-by': 'Helm',
  };
  meta.annotations = {
    ...((meta.annotations ?? {}) as Record<string, string>),
    'meta.helm.sh/release-name': release,
    'meta.helm.sh/release-namespace': namespace,
  };
  o.metadata = meta;
  return o;
}

/**
 * Every rendered object (and the namespace, when the install would create it) server-side applied with
 * dryRun=All. A refusal (invalid, forbidden, an admission webhook, a field-manager conflict) is that
 * object's answer; what may pass on a retry (unreachable, 5xx, cancelled) is thrown.
 */
export async function admitRendered(input: AdmitInput): Promise<ChartDryRunObject[]> {
  const { ApiException, createConfiguration, HttpMethod, KubeConfig, Observable, ServerConfiguration } =
    k8s();
  const kc = new KubeConfig();
  if (input.kubeconfigPath) kc.loadFromFile(input.kubeconfigPath);
  else kc.loadFromDefault();
  if (!kc.getContextObject(input.context)) {
    throw new DriverError('context_not_found', `kubeconfig has no context "${input.context}"`, {
      retryable: false,
    });
  }
  kc.setCurrentContext(input.context);
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new DriverError('context_not_found', `context "${input.context}" has no cluster`);
  const timeoutMs = input.requestTimeoutMs ?? REQUEST_TIMEOUT_MS;
  const server = new ServerConfiguration<Record<string, string>>(cluster.server, {});
  const withSignal: ObservableMiddleware = {
    pre: (ctx) => {
      ctx.setSignal(AbortSignal.any([input.signal, AbortSignal.timeout(timeoutMs)]));
      return new Observable(Promise.resolve(ctx));
    },
    post: (res) => new Observable(Promise.resolve(res)),
  };
  const config = createConfiguration({
    baseServer: server,
    authMethods: { default: kc },
    middleware: [withSignal],
  });
  // Discovery (kind -> resource, namespaced) only; the objects themselves are sent as rendered, since the
  // client's typed serializer would drop the unknown fields that fieldValidation=Strict exists to refuse.
  const discovery = discoveryFor(config);

  const request = async (
    method: HttpMethod,
    path: string,
    query: Record<string, string>,
    body?: unknown,
  ): Promise<void> => {
    const rc = server.makeRequestContext(path, method);
    rc.setHeaderParam('Accept', 'application/json');
    for (const [k, v] of Object.entries(query)) rc.setQueryParam(k, v);
    if (body !== undefined) {
      rc.setHeaderParam('Content-Type', 'application/apply-patch+yaml');
      rc.setBody(JSON.stringify(body));
    }
    await kc.applySecurityAuthentication(rc);
    rc.setSignal(AbortSignal.any([input.signal, AbortSignal.timeout(timeoutMs)]));
    const res = await config.httpApi.send(rc).toPromise();
    if (res.httpStatusCode >= 400) {
      const text = await res.body.text();
      throw new ApiException(res.httpStatusCode, `HTTP ${res.httpStatusCode}`, text, res.headers);
    }
  };
  const call = async <T>(action: string, fn: () => Promise<T>): Promise<T> => {
    if (input.signal.aborted) throw toDriverError(input.signal.reason, action, input.signal);
    try {
      return await fn();
    } catch (e) {
      throw toDriverError(e, action, input.signal);
    }
  };

  const ns = input.namespace;
  const nsExists = await call(`read namespace ${ns}`, () =>
    request(HttpMethod.GET, `/api/v1/namespaces/${encodeURIComponent(ns)}`, {}),
  ).then(
    () => true,
    (e: unknown) => {
      if (e instanceof DriverError && e.code === 'not_found') return false;
      throw e;
    },
  );
  const objects: RenderedObject[] = nsExists
    ? input.objects
    : [
        // --create-namespace: helm creates it first (server-side apply, without its release metadata).
        {
          apiVersion: 'v1',
          kind: 'Namespace',
          name: ns,
          body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } },
        },
        ...input.objects,
      ];

  const answers: ChartDryRunObject[] = [];
  for (const obj of objects) {
    const createdNamespace = !nsExists && obj.kind === 'Namespace' && obj.name === ns;
    const head = { apiVersion: obj.apiVersion, kind: obj.kind, name: obj.name };
    const what = `${obj.kind} ${obj.name}`;
    const resource = await call(`discover ${obj.apiVersion} ${obj.kind}`, () =>
      discovery.lookup(obj.apiVersion, obj.kind),
    ).catch((e: unknown) => {
      if (e instanceof DriverError && e.code === 'not_found') return undefined;
      throw e;
    });
    if (!resource) {
      answers.push({
        ...head,
        accepted: false,
        detail: `the API server has no kind ${obj.kind} in ${obj.apiVersion}`,
      });
      continue;
    }
    const objNs = resource.namespaced ? (obj.namespace ?? ns) : undefined;
    if (objNs !== undefined && objNs === ns && !nsExists) {
      answers.push({
        ...head,
        namespace: objNs,
        accepted: null,
        detail: `namespace ${ns} does not exist yet (the install creates it), so the API server cannot check this object before then`,
      });
      continue;
    }
    const body = createdNamespace ? obj.body : asHelmInstallsIt(obj.body, input.release, ns);
    if (objNs !== undefined) (body.metadata as Record<string, unknown>).namespace = objNs;
    const group = obj.apiVersion.includes('/') ? `/apis/${obj.apiVersion}` : `/api/${obj.apiVersion}`;
    const path = `${group}${objNs !== undefined ? `/namespaces/${encodeURIComponent(objNs)}` : ''}/${resource.name}/${encodeURIComponent(obj.name)}`;
    try {
      await call(`dry-run apply ${what}`, () =>
        request(
          HttpMethod.PATCH,
          path,
          { dryRun: 'All', fieldManager: HELM_FIELD_MANAGER, force: 'false', fieldValidation: 'Strict' },
          body,
        ),
      );
      answers.push({
        ...head,
        ...(objNs !== undefined ? { namespace: objNs } : {}),
        accepted: true,
        detail: createdNamespace ? 'would be created (--create-namespace)' : 'admitted (dryRun=All)',
      });
    } catch (e) {
      if (!(e instanceof DriverError) || e.retryable || e.code === 'aborted' || e.code === 'cancelled')
        throw e;
      answers.push({
        ...head,
        ...(objNs !== undefined ? { namespace: objNs } : {}),
        accepted: false,
        detail: e.message,
      });
    }
  }
  return answers;
}
