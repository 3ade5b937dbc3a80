import {
  chartStatuses,
  clusterStatuses,
  deploymentStatuses,
  imageStatuses,
  operationStatuses,
  serviceStatuses,
} from '@slipway/contract/vocabulary';
import { ApiError, type components, type ErrorBody, type SlipwayClient } from './client.ts';

export type Schemas = components['schemas'];
export type Cluster = Schemas['MinikubeCluster'];
export type Deployment = Schemas['Deployment'];
export type Image = Schemas['ContainerImage'];
export type Chart = Schemas['HelmChart'];
export type Service = Schemas['Service'];
export type Operation = Schemas['Operation'];

export type ListParams = { page: number; per_page: number; name?: string; status?: string };
export type Page<T> = { items: T[]; page: number; per_page: number; total: number };

/** openapi-fetch's `{ data, error, response }` -> data, or an ApiError carrying the API's message. */
export async function unwrap<T>(
  p: Promise<{ data?: T; error?: unknown; response: Response }>,
): Promise<NonNullable<T>> {
  const { data, error, response } = await p;
  if (data === undefined || data === null)
    throw new ApiError(response.status, (error as ErrorBody | undefined) ?? null, response.headers);
  return data as NonNullable<T>;
}

const q = (p: ListParams) => ({
  page: p.page,
  per_page: p.per_page,
  ...(p.name ? { name: p.name } : {}),
  ...(p.status ? { status: p.status as never } : {}),
});

/** What the list pages need to know about each resource. */
export type Kind = 'images' | 'charts' | 'clusters' | 'deployments' | 'services' | 'operations';

export const KINDS: Record<
  Kind,
  {
    title: string;
    singular: string;
    /** The query key prefix = the API's resource_type (events invalidate by it). */
    key: string;
    statuses: readonly string[];
    newLabel?: string;
    emptyHint: string;
  }
> = {
  images: {
    title: 'Images',
    singular: 'image',
    key: 'container_image',
    statuses: imageStatuses,
    newLabel: 'New image',
    emptyHint: 'No images yet. Press “New image” to build one.',
  },
  charts: {
    title: 'Helm charts',
    singular: 'chart',
    key: 'helm_chart',
    statuses: chartStatuses,
    newLabel: 'New chart',
    emptyHint: 'No Helm charts yet. Press “New chart” to upload a .tgz.',
  },
  clusters: {
    title: 'Clusters',
    singular: 'cluster',
    key: 'minikube_cluster',
    statuses: clusterStatuses,
    newLabel: 'New cluster',
    emptyHint: 'No clusters yet. Press “New cluster”, then Start it.',
  },
  deployments: {
    title: 'Deployments',
    singular: 'deployment',
    key: 'deployment',
    statuses: deploymentStatuses,
    newLabel: 'New deployment',
    emptyHint: 'No deployments yet. Start a cluster, then press “New deployment”.',
  },
  services: {
    title: 'Services',
    singular: 'service',
    key: 'service',
    statuses: serviceStatuses,
    newLabel: 'New service',
    emptyHint: 'No services yet. Press “New service” to expose a deployment.',
  },
  operations: {
    title: 'Operations',
    singular: 'operation',
    key: 'operation',
    statuses: operationStatuses,
    emptyHint: 'No operations yet: they appear when you create, start, scale or delete something.',
  },
};

export function listOf(
  client: SlipwayClient,
  kind: Kind,
  p: ListParams,
): Promise<Page<{ id: string; status: string }>> {
  const query = q(p);
  switch (kind) {
    case 'images':
      return unwrap(client.api.GET('/api/container-images', { params: { query } }));
    case 'charts':
      return unwrap(client.api.GET('/api/helm-charts', { params: { query } }));
    case 'clusters':
      return unwrap(client.api.GET('/api/minikube-clusters', { params: { query } }));
    case 'deployments':
      return unwrap(client.api.GET('/api/deployments', { params: { query } }));
    case 'services':
      return unwrap(client.api.GET('/api/services', { params: { query } }));
    case 'operations':
      return unwrap(client.api.GET('/api/operations', { params: { query } }));
  }
}
