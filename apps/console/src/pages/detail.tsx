import {
  AiAnalyzeBody,
  AiDebugBody,
  ScaleDeploymentBody,
  UpdateChartBody,
  UpdateDeploymentBody,
  UpdateImageBody,
  UpdateServiceBody,
} from '@slipway/contract';
import { serviceTypes } from '@slipway/contract/vocabulary';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type ReactNode, useState } from 'react';
import { Link, useLocation } from 'wouter';
import { ZodForm } from '../form.tsx';
import { mergeLines, useOperationStream } from '../live.tsx';
import { type Chart, type Cluster, type Deployment, type Image, type Service, unwrap } from '../resources.ts';
import { canWrite, useClient, useUser } from '../session.tsx';
import { ConfirmButton, ErrorState, Fields, Loading, Notice, StatusBadge, Time } from '../ui.tsx';
import { uploadChart } from './create.tsx';
import { OperationEntry, Timeline } from './timeline.tsx';

function Shell({
  title,
  status,
  back,
  children,
}: {
  title: string;
  status: string;
  back: [string, string];
  children: ReactNode;
}) {
  return (
    <section aria-labelledby="page-title">
      <p className="crumbs">
        <Link href={back[0]}>← {back[1]}</Link>
      </p>
      <header className="page-head">
        <h1 id="page-title">{title}</h1>
        <StatusBadge status={status} />
      </header>
      {children}
    </section>
  );
}

function useDetail<T>(key: string, id: string, load: () => Promise<T>) {
  return useQuery({ queryKey: [key, 'detail', id], queryFn: load });
}

function Gate<T>({
  q,
  what,
  children,
}: {
  q: ReturnType<typeof useDetail<T>>;
  what: string;
  children(d: T): ReactNode;
}) {
  if (q.isPending) return <Loading what={what} />;
  if (q.isError) return <ErrorState error={q.error} />;
  return <>{children(q.data)}</>;
}

/** Refetches one resource and its operations (not everything: the rate limit is per minute). */
function refreshResource(qc: ReturnType<typeof useQueryClient>, key: string, id: string) {
  return Promise.all([
    qc.invalidateQueries({ queryKey: [key, 'detail', id] }),
    qc.invalidateQueries({ queryKey: ['operation', 'of', id] }),
  ]);
}

/** Runs an action, refreshes what it touched and says what happened (the API's message). */
function useAction<A>(key: string, id: string, run: (a: A) => Promise<{ message?: string } | unknown>) {
  const qc = useQueryClient();
  const [note, setNote] = useState<string | null>(null);
  const m = useMutation({
    mutationFn: run,
    onSuccess: (r) => {
      const msg = (r as { message?: string } | undefined)?.message;
      setNote(msg ?? 'Done');
    },
    onSettled: () => refreshResource(qc, key, id),
  });
  return { ...m, note };
}

function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(1)} ${units[i]}`;
}

/** A link to a related resource, by its name once known (the id until then). */
function RefLink({ kind, id }: { kind: 'clusters' | 'deployments'; id: string }) {
  const client = useClient();
  const q = useQuery({
    queryKey: kind === 'clusters' ? ['minikube_cluster', 'detail', id] : ['deployment', 'detail', id],
    queryFn: (): Promise<{ name: string }> =>
      kind === 'clusters'
        ? unwrap(client.api.GET('/api/minikube-clusters/{id}', { params: { path: { id } } }))
        : unwrap(client.api.GET('/api/deployments/{id}', { params: { path: { id } } })),
  });
  return <Link href={`/${kind}/${id}`}>{q.data?.name ?? id}</Link>;
}

// ---- clusters ------------------------------------------------------------------------------

export function ClusterDetail({ id }: { id: string }) {
  const client = useClient();
  const user = useUser();
  const [, navigate] = useLocation();
  const q = useDetail('minikube_cluster', id, () =>
    unwrap(client.api.GET('/api/minikube-clusters/{id}', { params: { path: { id } } })),
  );
  const action = useAction('minikube_cluster', id, (verb: 'start' | 'stop' | 'restart') =>
    unwrap(client.api.POST(`/api/minikube-clusters/{id}/${verb}`, { params: { path: { id } } })),
  );
  return (
    <Gate q={q} what="cluster">
      {(c: Cluster) => (
        <Shell title={c.name} status={c.status} back={['/clusters', 'Clusters']}>
          <Fields
            rows={[
              ['Status', c.status],
              ['CPUs', c.cpus],
              ['Memory (MiB)', c.memory],
              ['Disk size (MiB)', c.disk_size],
              ['Kubernetes version', c.kubernetes_version],
              ['Kind', c.kind],
              ['Driver', c.driver],
              ['Error', c.error],
              ['Created', <Time key="t" at={c.created_at} />],
            ]}
          />
          {canWrite(user) ? (
            <div className="actions">
              <button
                type="button"
                onClick={() => action.mutate('start')}
                disabled={action.isPending || !['stopped', 'error'].includes(c.status)}
              >
                Start
              </button>
              <button
                type="button"
                onClick={() => action.mutate('stop')}
                disabled={action.isPending || !['running', 'error'].includes(c.status)}
              >
                Stop
              </button>
              <button
                type="button"
                onClick={() => action.mutate('restart')}
                disabled={action.isPending || c.status !== 'running'}
              >
                Restart
              </button>
              <ConfirmButton
                label="Delete"
                question={`Delete cluster ${c.name} with its deployments and services?`}
                onConfirm={async () => {
                  await unwrap(
                    client.api.DELETE('/api/minikube-clusters/{id}', { params: { path: { id } } }),
                  );
                  navigate('/clusters');
                }}
              />
            </div>
          ) : null}
          {action.isError ? <ErrorState error={action.error} /> : <Notice text={action.note} />}
          {canWrite(user) ? <Analyze clusterId={c.id} /> : null}
          <Timeline resourceId={c.id} />
        </Shell>
      )}
    </Gate>
  );
}

type AnalyzeResult = {
  status: string;
  message: string;
  error?: string;
  analysis?: {
    resource_utilization?: { cpu: string; memory: string };
    recommendations?: unknown[];
  } | null;
};

function percent(s: string | undefined): number | null {
  const m = /^(\d+(?:\.\d+)?)%$/.exec(s ?? '');
  return m ? Math.min(100, Number(m[1])) : null;
}

function Analyze({ clusterId }: { clusterId: string }) {
  const client = useClient();
  const run = useMutation({
    mutationFn: async () => {
      const body = AiAnalyzeBody.parse({ minikube_cluster_id: clusterId });
      return (await unwrap(client.api.POST('/api/ai/analyze', { body }))) as AnalyzeResult;
    },
  });
  const r = run.data;
  const util = r?.analysis?.resource_utilization;
  return (
    <section aria-labelledby="analyze-title" className="panel">
      <h2 id="analyze-title">AI analysis</h2>
      <button type="button" onClick={() => run.mutate()} disabled={run.isPending}>
        Analyze
      </button>
      {run.isPending ? <Loading what="the analysis" /> : null}
      {run.isError ? <ErrorState error={run.error} /> : null}
      {r ? (
        <div className="result" aria-live="polite">
          <p>
            <StatusBadge status={r.status} /> {r.message}
          </p>
          {r.error ? <p className="error">{r.error}</p> : null}
          {util ? (
            <div className="meters">
              {(
                [
                  ['CPU utilization', util.cpu],
                  ['Memory utilization', util.memory],
                ] as const
              ).map(([label, v]) => (
                <div className="meter" key={label}>
                  <span aria-hidden="true">{label}</span>
                  <meter
                    min={0}
                    max={100}
                    low={60}
                    high={85}
                    optimum={40}
                    value={percent(v) ?? 0}
                    aria-label={label}
                  >
                    {v}
                  </meter>
                  <span>{v}</span>
                </div>
              ))}
            </div>
          ) : null}
          <Recommendations items={r.analysis?.recommendations} />
        </div>
      ) : null}
    </section>
  );
}

function textOf(x: unknown): string {
  if (typeof x === 'string') return x;
  if (x && typeof x === 'object') {
    const o = x as Record<string, unknown>;
    for (const k of ['text', 'message', 'title', 'detail'])
      if (typeof o[k] === 'string') return o[k] as string;
  }
  return JSON.stringify(x);
}

function Recommendations({ items }: { items: unknown[] | undefined }) {
  if (!items || items.length === 0) return null;
  return (
    <>
      <h3>Recommendations</h3>
      <ul className="recommendations">
        {items.map((x, i) => (
          <li key={i}>{textOf(x)}</li>
        ))}
      </ul>
    </>
  );
}

// ---- deployments ---------------------------------------------------------------------------

export function DeploymentDetail({ id }: { id: string }) {
  const client = useClient();
  const user = useUser();
  const qc = useQueryClient();
  const [, navigate] = useLocation();
  const [note, setNote] = useState<string | null>(null);
  const q = useDetail('deployment', id, () =>
    unwrap(client.api.GET('/api/deployments/{id}', { params: { path: { id } } })),
  );
  return (
    <Gate q={q} what="deployment">
      {(d: Deployment) => (
        <Shell title={d.name} status={d.status} back={['/deployments', 'Deployments']}>
          <Fields
            rows={[
              ['Status', d.status],
              ['Replicas', d.replicas],
              ['Available replicas', d.available_replicas],
              ['Image', d.image],
              ['Container port', d.container_port],
              ['Namespace', d.namespace],
              ['Cluster', <RefLink key="c" kind="clusters" id={d.minikube_cluster_id} />],
              ['Generation', d.generation],
              ['Reason', d.reason],
              ['Error', d.error],
              ['Updated', <Time key="t" at={d.last_updated} />],
            ]}
          />
          {canWrite(user) ? (
            <div className="panels">
              <section aria-labelledby="scale-title" className="panel">
                <h2 id="scale-title">Scale</h2>
                <ZodForm
                  title="Scale"
                  schema={ScaleDeploymentBody}
                  submitLabel="Scale"
                  fields={[{ name: 'replicas', label: 'Replicas', kind: 'number', initial: d.replicas }]}
                  onSubmit={async (body) => {
                    const r = await unwrap(
                      client.api.POST('/api/deployments/{id}/scale', { params: { path: { id } }, body }),
                    );
                    setNote(r.message);
                    await refreshResource(qc, 'deployment', id);
                  }}
                />
              </section>
              <section aria-labelledby="update-title" className="panel">
                <h2 id="update-title">Update</h2>
                <ZodForm
                  title="Update"
                  schema={UpdateDeploymentBody}
                  submitLabel="Update"
                  fields={[
                    { name: 'image', label: 'Image', initial: d.image, optional: true },
                    {
                      name: 'container_port',
                      label: 'Container port',
                      kind: 'number',
                      initial: d.container_port,
                      optional: true,
                    },
                  ]}
                  onSubmit={async (body) => {
                    await unwrap(client.api.PUT('/api/deployments/{id}', { params: { path: { id } }, body }));
                    setNote('Update started');
                    await refreshResource(qc, 'deployment', id);
                  }}
                />
              </section>
            </div>
          ) : null}
          <Notice text={note} />
          {canWrite(user) ? (
            <div className="actions">
              <ConfirmButton
                label="Delete"
                question={`Delete deployment ${d.name} and its services?`}
                onConfirm={async () => {
                  await unwrap(client.api.DELETE('/api/deployments/{id}', { params: { path: { id } } }));
                  navigate('/deployments');
                }}
              />
            </div>
          ) : null}
          {canWrite(user) ? <Debug deploymentId={d.id} /> : null}
          <Timeline resourceId={d.id} />
        </Shell>
      )}
    </Gate>
  );
}

type Evidence = { kind?: string; source?: string; detail?: string };
type DebugResult = {
  status: string;
  message: string;
  analysis?: string | null;
  evidence?: unknown[];
  recommendations?: unknown[];
  engine?: string;
  error?: string;
};

function Debug({ deploymentId }: { deploymentId: string }) {
  const client = useClient();
  const run = useMutation({
    mutationFn: async () => {
      const body = AiDebugBody.parse({ deployment_id: deploymentId });
      return (await unwrap(client.api.POST('/api/ai/debug', { body }))) as DebugResult;
    },
  });
  const r = run.data;
  return (
    <section aria-labelledby="debug-title" className="panel">
      <h2 id="debug-title">AI debugging</h2>
      <button type="button" onClick={() => run.mutate()} disabled={run.isPending}>
        Debug
      </button>
      {run.isPending ? <Loading what="the analysis" /> : null}
      {run.isError ? <ErrorState error={run.error} /> : null}
      {r ? (
        <div className="result" aria-live="polite">
          <p>
            <StatusBadge status={r.status} /> {r.message}
            {r.engine ? <span className="muted"> ({r.engine})</span> : null}
          </p>
          {r.error ? <p className="error">{r.error}</p> : null}
          {r.analysis ? (
            <>
              <h3>Analysis</h3>
              <p className="analysis">{r.analysis}</p>
            </>
          ) : null}
          {r.evidence && r.evidence.length > 0 ? (
            <>
              <h3>Evidence</h3>
              <ul className="evidence">
                {r.evidence.map((e, i) => {
                  const ev = e as Evidence;
                  return (
                    <li key={i}>
                      {ev.kind ? <span className="tag">{ev.kind}</span> : null}{' '}
                      {ev.source ? <code>{ev.source}</code> : null} {ev.detail ?? textOf(e)}
                    </li>
                  );
                })}
              </ul>
            </>
          ) : null}
          <Recommendations items={r.recommendations} />
        </div>
      ) : null}
    </section>
  );
}

// ---- images --------------------------------------------------------------------------------

export function ImageDetail({ id }: { id: string }) {
  const client = useClient();
  const user = useUser();
  const qc = useQueryClient();
  const [, navigate] = useLocation();
  const [note, setNote] = useState<string | null>(null);
  const q = useDetail('container_image', id, () =>
    unwrap(client.api.GET('/api/container-images/{id}', { params: { path: { id } } })),
  );
  return (
    <Gate q={q} what="image">
      {(img: Image) => (
        <Shell title={`${img.name}:${img.tag}`} status={img.status} back={['/images', 'Images']}>
          <Fields
            rows={[
              ['Status', img.status],
              ['Name', img.name],
              ['Tag', img.tag],
              ['Repository', img.repository],
              ['Description', img.description],
              ['Size', img.size === null ? null : bytes(img.size)],
              ['Digest', img.digest],
              ['Driver', img.driver],
              ['Error', img.error],
            ]}
          />
          {canWrite(user) ? (
            <section aria-labelledby="update-title" className="panel">
              <h2 id="update-title">Update</h2>
              <ZodForm
                title="Update"
                schema={UpdateImageBody}
                submitLabel="Update"
                fields={[
                  { name: 'tag', label: 'Tag', initial: img.tag, optional: true },
                  {
                    name: 'description',
                    label: 'Description',
                    initial: img.description ?? '',
                    optional: true,
                  },
                ]}
                onSubmit={async (body) => {
                  await unwrap(
                    client.api.PUT('/api/container-images/{id}', { params: { path: { id } }, body }),
                  );
                  setNote('Updated');
                  await refreshResource(qc, 'container_image', id);
                }}
              />
              <Notice text={note} />
              <div className="actions">
                <ConfirmButton
                  label="Delete"
                  question={`Delete image ${img.name}:${img.tag}?`}
                  onConfirm={async () => {
                    await unwrap(
                      client.api.DELETE('/api/container-images/{id}', { params: { path: { id } } }),
                    );
                    navigate('/images');
                  }}
                />
              </div>
            </section>
          ) : null}
          <BuildLog image={img} />
          <Timeline resourceId={img.id} />
        </Shell>
      )}
    </Gate>
  );
}

function BuildLog({ image }: { image: Image }) {
  const client = useClient();
  const logs = useQuery({
    queryKey: ['container_image', 'logs', image.id],
    queryFn: () =>
      unwrap(client.api.GET('/api/container-images/{id}/logs', { params: { path: { id: image.id } } })),
  });
  const building = image.status === 'building';
  const live = useOperationStream(image.operation_id ?? undefined, building && !!image.operation_id, [
    ['container_image', 'detail', image.id],
    ['container_image', 'logs', image.id],
  ]);
  const lines = mergeLines(logs.data?.lines ?? [], live);
  return (
    <section aria-labelledby="log-title" className="panel">
      <h2 id="log-title">Build log</h2>
      {logs.isPending ? (
        <Loading what="the build log" />
      ) : logs.isError ? (
        <ErrorState error={logs.error} />
      ) : lines.length === 0 ? (
        <p className="muted">No log lines yet.</p>
      ) : (
        // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must be reachable by keyboard (axe scrollable-region-focusable)
        <pre className="log" aria-live="polite" tabIndex={0}>
          {lines
            .map((l) => `${l.at ? new Date(l.at).toLocaleTimeString() : ''} [${l.status}] ${l.message}`)
            .join('\n')}
        </pre>
      )}
    </section>
  );
}

// ---- charts --------------------------------------------------------------------------------

export function ChartDetail({ id }: { id: string }) {
  const client = useClient();
  const user = useUser();
  const qc = useQueryClient();
  const [, navigate] = useLocation();
  const [note, setNote] = useState<string | null>(null);
  const [uploadError, setUploadError] = useState<unknown>(null);
  const q = useDetail('helm_chart', id, () =>
    unwrap(client.api.GET('/api/helm-charts/{id}', { params: { path: { id } } })),
  );
  return (
    <Gate q={q} what="chart">
      {(c: Chart) => (
        <Shell title={`${c.name} ${c.version}`} status={c.status} back={['/charts', 'Helm charts']}>
          <Fields
            rows={[
              ['Status', c.status],
              ['Version', c.version],
              ['App version', c.app_version],
              ['Description', c.description],
              ['Archive', c.has_content ? `${c.content_size} bytes` : 'scaffolded'],
              ['Validator', c.validator],
              ['Error', c.error],
            ]}
          />
          {c.findings.length > 0 ? (
            <>
              <h2>Findings</h2>
              <ul className="findings">
                {c.findings.map((f, i) => (
                  <li key={i}>
                    <StatusBadge status={f.severity} /> {f.message} {f.path ? <code>{f.path}</code> : null}
                  </li>
                ))}
              </ul>
            </>
          ) : null}
          {canWrite(user) ? (
            <div className="panels">
              <section aria-labelledby="upload-title" className="panel">
                <h2 id="upload-title">Upload archive</h2>
                <form
                  className="form"
                  onSubmit={async (e) => {
                    e.preventDefault();
                    const file = (e.currentTarget.elements.namedItem('archive') as HTMLInputElement)
                      .files?.[0];
                    setUploadError(null);
                    if (!file) return setUploadError(new Error('Choose a .tgz file first'));
                    try {
                      await uploadChart(client, id, file);
                      setNote('Archive uploaded; validating');
                      await refreshResource(qc, 'helm_chart', id);
                    } catch (err) {
                      setUploadError(err);
                    }
                  }}
                >
                  <div className="field">
                    <label htmlFor="chart-archive">Chart archive (.tgz)</label>
                    <input
                      id="chart-archive"
                      name="archive"
                      type="file"
                      accept=".tgz,.tar.gz,application/gzip"
                    />
                  </div>
                  {uploadError ? <ErrorState error={uploadError} /> : null}
                  <button type="submit">Upload</button>
                </form>
              </section>
              <section aria-labelledby="update-title" className="panel">
                <h2 id="update-title">Update</h2>
                <ZodForm
                  title="Update"
                  schema={UpdateChartBody}
                  submitLabel="Update"
                  fields={[
                    { name: 'version', label: 'Version', initial: c.version, optional: true },
                    {
                      name: 'description',
                      label: 'Description',
                      initial: c.description ?? '',
                      optional: true,
                    },
                  ]}
                  onSubmit={async (body) => {
                    await unwrap(client.api.PUT('/api/helm-charts/{id}', { params: { path: { id } }, body }));
                    setNote('Re-validation started');
                    await refreshResource(qc, 'helm_chart', id);
                  }}
                />
              </section>
            </div>
          ) : null}
          <Notice text={note} />
          {canWrite(user) ? (
            <div className="actions">
              <ConfirmButton
                label="Delete"
                question={`Delete chart ${c.name} ${c.version}?`}
                onConfirm={async () => {
                  await unwrap(client.api.DELETE('/api/helm-charts/{id}', { params: { path: { id } } }));
                  navigate('/charts');
                }}
              />
            </div>
          ) : null}
          <Timeline resourceId={c.id} />
        </Shell>
      )}
    </Gate>
  );
}

// ---- services ------------------------------------------------------------------------------

export function ServiceDetail({ id }: { id: string }) {
  const client = useClient();
  const user = useUser();
  const qc = useQueryClient();
  const [, navigate] = useLocation();
  const [note, setNote] = useState<string | null>(null);
  const q = useDetail('service', id, () =>
    unwrap(client.api.GET('/api/services/{id}', { params: { path: { id } } })),
  );
  return (
    <Gate q={q} what="service">
      {(s: Service) => (
        <Shell title={s.name} status={s.status} back={['/services', 'Services']}>
          <Fields
            rows={[
              ['Status', s.status],
              ['Type', s.type],
              ['Port', s.port],
              ['Target port', s.target_port],
              ['Protocol', s.protocol],
              ['Deployment', <RefLink key="d" kind="deployments" id={s.deployment_id} />],
              ['Namespace', s.namespace],
              ['Reason', s.reason],
              ['Error', s.error],
            ]}
          />
          {canWrite(user) ? (
            <section aria-labelledby="update-title" className="panel">
              <h2 id="update-title">Update</h2>
              <ZodForm
                title="Update"
                schema={UpdateServiceBody}
                submitLabel="Update"
                fields={[
                  {
                    name: 'type',
                    label: 'Type',
                    kind: 'select',
                    options: serviceTypes.map((t) => ({ value: t, label: t })),
                    initial: s.type,
                  },
                  { name: 'port', label: 'Port', kind: 'number', initial: s.port, optional: true },
                  {
                    name: 'target_port',
                    label: 'Target port',
                    kind: 'number',
                    initial: s.target_port,
                    optional: true,
                  },
                ]}
                onSubmit={async (body) => {
                  await unwrap(client.api.PUT('/api/services/{id}', { params: { path: { id } }, body }));
                  setNote('Update started');
                  await refreshResource(qc, 'service', id);
                }}
              />
              <Notice text={note} />
              <div className="actions">
                <ConfirmButton
                  label="Delete"
                  question={`Delete service ${s.name}?`}
                  onConfirm={async () => {
                    await unwrap(client.api.DELETE('/api/services/{id}', { params: { path: { id } } }));
                    navigate('/services');
                  }}
                />
              </div>
            </section>
          ) : null}
          <Timeline resourceId={s.id} />
        </Shell>
      )}
    </Gate>
  );
}

// ---- operations ----------------------------------------------------------------------------

export function OperationDetail({ id }: { id: string }) {
  const client = useClient();
  const q = useDetail('operation', id, () =>
    unwrap(client.api.GET('/api/operations/{id}', { params: { path: { id } } })),
  );
  return (
    <Gate q={q} what="operation">
      {(op) => (
        <Shell title={op.kind} status={op.status} back={['/operations', 'Operations']}>
          <Fields
            rows={[
              ['Status', op.status],
              ['Resource', `${op.resource_type} ${op.resource_id}`],
              ['Attempts', op.attempts],
              ['Progress', `${op.progress}%`],
              ['Error', op.error],
              ['Created', <Time key="c" at={op.created_at} />],
              ['Finished', <Time key="f" at={op.finished_at} />],
            ]}
          />
          <ol className="ops">
            <OperationEntry op={op} />
          </ol>
          {op.result ? (
            <>
              <h2>Result</h2>
              {/* biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must be reachable by keyboard (axe scrollable-region-focusable) */}
              <pre className="log" tabIndex={0}>
                {JSON.stringify(op.result, null, 2)}
              </pre>
            </>
          ) : null}
        </Shell>
      )}
    </Gate>
  );
}
