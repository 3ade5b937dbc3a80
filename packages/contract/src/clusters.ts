import { IdParams, int, operationRef, pageOf, pageQuery, text, timestamp, uuid, z } from './common.ts';
import { defineRoute, deleteRoute, getRoute, listRoute } from './route.ts';
import { clusterKinds, clusterStatuses } from './vocabulary.ts';

const TAG = 'Minikube clusters';

export const CreateClusterBody = z
  .object({
    // Becomes the minikube profile name: letters, digits, dot, dash, underscore.
    name: text(63).regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'must be letters, digits, ".", "_" or "-"'),
    cpus: int(1, 256),
    memory: int(256, 4 * 1024 * 1024).openapi({ description: 'MiB' }),
    disk_size: int(1024, 64 * 1024 * 1024).openapi({ description: 'MiB' }),
    kubernetes_version: text(32).regex(/^v?\d+\.\d+\.\d+$/, 'must look like v1.28.0'),
    kind: z.enum(clusterKinds).optional().openapi({
      description: '`minikube` (default): Slipway starts and stops it; `kubeconfig`: an existing context.',
    }),
    kube_context: text(253).nullable().optional(),
  })
  .openapi('CreateMinikubeCluster', {
    example: { name: 'local-dev', cpus: 4, memory: 8192, disk_size: 30720, kubernetes_version: 'v1.28.0' },
  });
export type CreateClusterBody = z.infer<typeof CreateClusterBody>;

export const MinikubeCluster = z
  .object({
    id: uuid,
    name: z.string(),
    status: z.enum(clusterStatuses),
    cpus: z.number().int(),
    memory: z.number().int(),
    disk_size: z.number().int(),
    kubernetes_version: z.string(),
    created_at: timestamp,
    last_updated: timestamp,
    kind: z.enum(clusterKinds),
    kube_context: z.string().nullable(),
    driver: z.string().nullable(),
    error: z.string().nullable(),
    owner_id: uuid,
    ...operationRef,
  })
  .openapi('MinikubeCluster', {
    example: {
      id: '7c9e6679-7425-40de-944b-e07fc1f90ae7',
      name: 'local-dev',
      status: 'running',
      cpus: 4,
      memory: 8192,
      disk_size: 30720,
      kubernetes_version: 'v1.28.0',
      created_at: '2026-02-07T09:00:00.000Z',
      last_updated: '2026-02-07T09:01:00.000Z',
      kind: 'minikube',
      kube_context: null,
      driver: 'sandbox',
      error: null,
      owner_id: '9a0f2c3d-1b2e-4f5a-8c7d-6e5f4a3b2c1d',
    },
  });
export type MinikubeCluster = z.infer<typeof MinikubeCluster>;

export const ClusterList = pageOf(MinikubeCluster, 'MinikubeClusterList');
export const ClusterListQuery = pageQuery(clusterStatuses);

export const clusterActions = ['start', 'stop', 'restart'] as const;
export type ClusterAction = (typeof clusterActions)[number];

export const ClusterActionAccepted = z
  .object({ message: z.string(), status: z.enum(clusterStatuses), id: uuid, ...operationRef })
  .openapi('ClusterActionAccepted', { example: { message: 'Cluster starting...', status: 'starting' } });

const actionRoute = <A extends ClusterAction>(action: A, operationId: string, doing: string) =>
  defineRoute({
    operationId,
    method: 'post',
    path: `/api/minikube-clusters/{id}/${action}` as `/api/minikube-clusters/{id}/${A}`,
    tag: TAG,
    summary: `${doing} the cluster`,
    params: IdParams,
    idempotent: true,
    errors: [403, 404, 409],
    responses: { 202: { description: 'Accepted.', schema: ClusterActionAccepted, headers: ['Location'] } },
  });

export const clusterRoutes = {
  createMinikubeCluster: defineRoute({
    operationId: 'createMinikubeCluster',
    method: 'post',
    path: '/api/minikube-clusters',
    tag: TAG,
    summary: 'Record a cluster (stopped; a kubeconfig cluster is running at once)',
    body: CreateClusterBody,
    idempotent: true,
    errors: [403, 409],
    responses: { 201: { description: 'Recorded.', schema: MinikubeCluster } },
  }),
  listMinikubeClusters: listRoute({
    operationId: 'listMinikubeClusters',
    path: '/api/minikube-clusters',
    tag: TAG,
    summary: 'List your clusters',
    query: ClusterListQuery,
    schema: ClusterList,
  }),
  getMinikubeCluster: getRoute({
    operationId: 'getMinikubeCluster',
    path: '/api/minikube-clusters/{id}',
    tag: TAG,
    summary: 'Get a cluster and its status',
    description: 'The cluster.',
    schema: MinikubeCluster,
  }),
  startMinikubeCluster: actionRoute('start', 'startMinikubeCluster', 'Start'),
  stopMinikubeCluster: actionRoute('stop', 'stopMinikubeCluster', 'Stop'),
  restartMinikubeCluster: actionRoute('restart', 'restartMinikubeCluster', 'Restart'),
  deleteMinikubeCluster: deleteRoute({
    operationId: 'deleteMinikubeCluster',
    path: '/api/minikube-clusters/{id}',
    tag: TAG,
    summary: 'Delete a cluster with its deployments and services (teardown continues as an operation)',
  }),
};
