import {
  CreateChartBody,
  CreateClusterBody,
  CreateDeploymentBody,
  CreateImageBody,
  CreateServiceBody,
} from '@slipway/contract';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useLocation } from 'wouter';
import { type Option, ZodForm } from '../form.tsx';
import { KINDS, type Kind, listOf, unwrap } from '../resources.ts';
import { useClient } from '../session.tsx';
import {
  chartArchiveField,
  chartFields,
  clusterFields,
  deploymentFields,
  imageFields,
  serviceFields,
} from '../specs.ts';
import { ErrorState, Loading } from '../ui.tsx';

/** Options for a select of `kind` (up to 100, newest names first as the API lists them). */
export function useOptions(kind: Kind, filter?: (row: { status: string }) => boolean) {
  const client = useClient();
  return useQuery({
    queryKey: [KINDS[kind].key, 'options'],
    queryFn: () => listOf(client, kind, { page: 1, per_page: 100 }),
    select: (p): Option[] =>
      p.items
        .filter((r) => !filter || filter(r))
        .map((r) => {
          const named = r as { id: string; name?: string; status: string };
          return { value: named.id, label: `${named.name ?? named.id} (${named.status})` };
        }),
  });
}

function Page({ kind, children }: { kind: Kind; children: React.ReactNode }) {
  return (
    <section aria-labelledby="page-title" className="narrow">
      <h1 id="page-title">New {KINDS[kind].singular}</h1>
      {children}
    </section>
  );
}

export function NewImage() {
  const client = useClient();
  const qc = useQueryClient();
  const [, navigate] = useLocation();
  return (
    <Page kind="images">
      <ZodForm
        title="New image"
        schema={CreateImageBody}
        fields={imageFields}
        onSubmit={async (body) => {
          const img = await unwrap(client.api.POST('/api/container-images', { body }));
          await qc.invalidateQueries({ queryKey: ['container_image'] });
          navigate(`/images/${img.id}`);
        }}
      />
    </Page>
  );
}

export function NewChart() {
  const client = useClient();
  const qc = useQueryClient();
  const [, navigate] = useLocation();
  return (
    <Page kind="charts">
      <ZodForm
        title="New chart"
        schema={CreateChartBody}
        fields={[...chartFields, chartArchiveField]}
        onSubmit={async (body, form) => {
          const file = (form.elements.namedItem('archive') as HTMLInputElement | null)?.files?.[0];
          const chart = await unwrap(client.api.POST('/api/helm-charts', { body }));
          if (file) await uploadChart(client, chart.id, file);
          await qc.invalidateQueries({ queryKey: ['helm_chart'] });
          navigate(`/charts/${chart.id}`);
        }}
      />
    </Page>
  );
}

export async function uploadChart(
  client: ReturnType<typeof useClient>,
  id: string,
  file: File,
): Promise<void> {
  await unwrap(
    client.api.PUT('/api/helm-charts/{id}/content', {
      params: { path: { id } },
      body: (await file.arrayBuffer()) as never,
      bodySerializer: (b: unknown) => b as ArrayBuffer,
      headers: { 'Content-Type': 'application/gzip' },
    }),
  );
}

export function NewCluster() {
  const client = useClient();
  const qc = useQueryClient();
  const [, navigate] = useLocation();
  return (
    <Page kind="clusters">
      <ZodForm
        title="New cluster"
        schema={CreateClusterBody}
        fields={clusterFields}
        onSubmit={async (body) => {
          const c = await unwrap(client.api.POST('/api/minikube-clusters', { body }));
          await qc.invalidateQueries({ queryKey: ['minikube_cluster'] });
          navigate(`/clusters/${c.id}`);
        }}
      />
    </Page>
  );
}

export function NewDeployment() {
  const client = useClient();
  const qc = useQueryClient();
  const [, navigate] = useLocation();
  const clusters = useOptions('clusters', (c) => c.status === 'running');
  const charts = useOptions('charts', (c) => c.status === 'valid');
  if (clusters.isPending || charts.isPending) return <Loading what="clusters and charts" />;
  if (clusters.isError) return <ErrorState error={clusters.error} />;
  return (
    <Page kind="deployments">
      {clusters.data.length === 0 ? (
        <p className="hint">No cluster is running: start one under Clusters first.</p>
      ) : null}
      <ZodForm
        title="New deployment"
        schema={CreateDeploymentBody}
        fields={deploymentFields(clusters.data, charts.data ?? [])}
        onSubmit={async (body) => {
          const d = await unwrap(client.api.POST('/api/deployments', { body }));
          await qc.invalidateQueries({ queryKey: ['deployment'] });
          navigate(`/deployments/${d.id}`);
        }}
      />
    </Page>
  );
}

export function NewService() {
  const client = useClient();
  const qc = useQueryClient();
  const [, navigate] = useLocation();
  const deployments = useOptions('deployments');
  if (deployments.isPending) return <Loading what="deployments" />;
  if (deployments.isError) return <ErrorState error={deployments.error} />;
  return (
    <Page kind="services">
      <ZodForm
        title="New service"
        schema={CreateServiceBody}
        fields={serviceFields(deployments.data)}
        onSubmit={async (body) => {
          const s = await unwrap(client.api.POST('/api/services', { body }));
          await qc.invalidateQueries({ queryKey: ['service'] });
          navigate(`/services/${s.id}`);
        }}
      />
    </Page>
  );
}
