import {
  checkedBy,
  dnsLabel,
  IdParams,
  int,
  operationRef,
  pageOf,
  pageQuery,
  text,
  timestamp,
  uuid,
  z,
} from './common.ts';
import { validateImageReference } from './image-reference.ts';
import { defineRoute, deleteRoute, getRoute, listRoute } from './route.ts';
import { deploymentStatuses } from './vocabulary.ts';

const TAG = 'Deployments';

export const replicas = int(0, 1000);
export const port = int(1, 65_535);
/** A full image reference `repository[:tag][@digest]`, by the same rules as the worker. */
export const imageRef = checkedBy(text(512), validateImageReference).openapi({
  example: 'docker.io/todo-app/todo-backend:latest',
});

export const CreateDeploymentBody = z
  .object({
    name: dnsLabel,
    replicas,
    image: imageRef,
    container_port: port,
    helm_chart_id: uuid.nullable().optional(),
    minikube_cluster_id: uuid.nullable().optional().openapi({
      description: "Defaults to the caller's only running cluster.",
    }),
    namespace: dnsLabel.optional().openapi({
      description:
        "Defaults to the owner's own namespace, `slipway-u-` and the 32 hex digits of its id. Any other must be assigned to the owner by an admin (else 403); system namespaces are a 422.",
    }),
  })
  .openapi('CreateDeployment', {
    example: {
      name: 'todo-backend-deployment',
      replicas: 2,
      image: 'docker.io/todo-app/todo-backend:latest',
      container_port: 8000,
      helm_chart_id: '5e8a1c2b-3d4f-4a5b-9c6d-7e8f9a0b1c2d',
    },
  });
export type CreateDeploymentBody = z.infer<typeof CreateDeploymentBody>;

export const UpdateDeploymentBody = z
  .object({ replicas: replicas.optional(), image: imageRef.optional(), container_port: port.optional() })
  .refine((b) => b.replicas !== undefined || b.image !== undefined || b.container_port !== undefined, {
    message: 'at least one of replicas, image, container_port is required',
    path: ['replicas'],
  })
  .openapi('UpdateDeployment', { example: { replicas: 3, image: 'docker.io/todo-app/todo-backend:v1.0.0' } });
export type UpdateDeploymentBody = z.infer<typeof UpdateDeploymentBody>;

export const ScaleDeploymentBody = z
  .object({ replicas })
  .openapi('ScaleDeployment', { example: { replicas: 4 } });

export const Deployment = z
  .object({
    id: uuid,
    name: z.string(),
    replicas: z.number().int(),
    available_replicas: z.number().int(),
    image: z.string(),
    container_port: z.number().int(),
    created_at: timestamp,
    last_updated: timestamp,
    status: z.enum(deploymentStatuses).openapi({
      description:
        '`unknown`: its cluster was stopped (or deleted), so nothing observes it; `reason` says when and why. It is observed again when the cluster runs again.',
    }),
    reason: z.string().nullable().openapi({
      description: 'Why the status is what it is when the status alone does not say (e.g. `unknown`).',
    }),
    helm_chart_id: uuid.nullable(),
    minikube_cluster_id: uuid,
    namespace: z.string(),
    generation: z.number().int().openapi({ description: 'Bumped by every desired-state change.' }),
    driver: z.string().nullable(),
    error: z.string().nullable(),
    owner_id: uuid,
    ...operationRef,
  })
  .openapi('Deployment', {
    example: {
      id: '2b1f9d3c-4e5a-4b6c-8d7e-9f0a1b2c3d4e',
      name: 'todo-backend-deployment',
      replicas: 2,
      available_replicas: 2,
      image: 'docker.io/todo-app/todo-backend:latest',
      container_port: 8000,
      created_at: '2026-02-07T10:00:00.000Z',
      last_updated: '2026-02-07T10:01:00.000Z',
      status: 'running',
      reason: null,
      helm_chart_id: null,
      minikube_cluster_id: '7c9e6679-7425-40de-944b-e07fc1f90ae7',
      namespace: 'default',
      generation: 1,
      driver: 'sandbox',
      error: null,
      owner_id: '9a0f2c3d-1b2e-4f5a-8c7d-6e5f4a3b2c1d',
    },
  });
export type Deployment = z.infer<typeof Deployment>;

export const ScaleAccepted = z
  .object({
    message: z.string(),
    current_replicas: z.number().int().openapi({ description: 'The spec before this request.' }),
    desired_replicas: z.number().int(),
    id: uuid,
    available_replicas: z.number().int(),
    status: z.enum(deploymentStatuses),
    ...operationRef,
  })
  .openapi('ScaleAccepted', {
    example: { message: 'Deployment scaling to 4 replicas', current_replicas: 2, desired_replicas: 4 },
  });

export const DeploymentList = pageOf(Deployment, 'DeploymentList');
export const DeploymentListQuery = pageQuery(deploymentStatuses);

export const deploymentRoutes = {
  createDeployment: defineRoute({
    operationId: 'createDeployment',
    method: 'post',
    path: '/api/deployments',
    tag: TAG,
    summary: 'Create a deployment on a running cluster (the rollout runs as an operation)',
    body: CreateDeploymentBody,
    idempotent: true,
    errors: [403, 404, 409],
    responses: {
      201: { description: 'Recorded, status `pending`.', schema: Deployment, headers: ['Location'] },
    },
  }),
  listDeployments: listRoute({
    operationId: 'listDeployments',
    path: '/api/deployments',
    tag: TAG,
    summary: 'List your deployments',
    query: DeploymentListQuery,
    schema: DeploymentList,
  }),
  getDeployment: getRoute({
    operationId: 'getDeployment',
    path: '/api/deployments/{id}',
    tag: TAG,
    summary: 'Get a deployment and its status',
    description: 'The deployment.',
    schema: Deployment,
  }),
  updateDeployment: defineRoute({
    operationId: 'updateDeployment',
    method: 'put',
    path: '/api/deployments/{id}',
    tag: TAG,
    summary: 'Change replicas, image or port (applied as an operation)',
    params: IdParams,
    body: UpdateDeploymentBody,
    idempotent: true,
    errors: [403, 404, 409],
    responses: { 202: { description: 'Update started.', schema: Deployment, headers: ['Location'] } },
  }),
  scaleDeployment: defineRoute({
    operationId: 'scaleDeployment',
    method: 'post',
    path: '/api/deployments/{id}/scale',
    tag: TAG,
    summary: 'Scale a deployment',
    params: IdParams,
    body: ScaleDeploymentBody,
    idempotent: true,
    errors: [403, 404, 409],
    responses: { 202: { description: 'Scaling started.', schema: ScaleAccepted, headers: ['Location'] } },
  }),
  deleteDeployment: deleteRoute({
    operationId: 'deleteDeployment',
    path: '/api/deployments/{id}',
    tag: TAG,
    summary: 'Delete a deployment (its services too); removal continues as an operation',
  }),
};
