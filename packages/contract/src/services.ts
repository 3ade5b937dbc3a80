import { dnsLabel, IdParams, int, operationRef, pageOf, pageQuery, timestamp, uuid, z } from './common.ts';
import { defineRoute, deleteRoute, getRoute, listRoute } from './route.ts';
import { serviceProtocols, serviceStatuses, serviceTypes } from './vocabulary.ts';

const TAG = 'Services';

export const CreateServiceBody = z
  .object({
    name: dnsLabel,
    type: z.enum(serviceTypes).default('ClusterIP'),
    port: int(1, 65_535),
    target_port: int(1, 65_535),
    protocol: z.enum(serviceProtocols).default('TCP'),
    deployment_id: uuid,
  })
  .openapi('CreateService', {
    example: {
      name: 'todo-backend-service',
      type: 'ClusterIP',
      port: 80,
      target_port: 8000,
      protocol: 'TCP',
      deployment_id: '2b1f9d3c-4e5a-4b6c-8d7e-9f0a1b2c3d4e',
    },
  });
export type CreateServiceBody = z.infer<typeof CreateServiceBody>;

export const UpdateServiceBody = z
  .object({
    type: z.enum(serviceTypes).optional(),
    port: int(1, 65_535).optional(),
    target_port: int(1, 65_535).optional(),
    protocol: z.enum(serviceProtocols).optional(),
  })
  .openapi('UpdateService', { example: { type: 'LoadBalancer' } });
export type UpdateServiceBody = z.infer<typeof UpdateServiceBody>;

export const Service = z
  .object({
    id: uuid,
    name: z.string(),
    type: z.enum(serviceTypes),
    port: z.number().int(),
    target_port: z.number().int(),
    protocol: z.string(),
    created_at: timestamp,
    last_updated: timestamp,
    status: z.enum(serviceStatuses).openapi({
      description:
        '`unknown`: its cluster was stopped (or deleted), so nothing observes it; `reason` says when and why. It is observed again when the cluster runs again.',
    }),
    deployment_id: uuid,
    minikube_cluster_id: uuid,
    namespace: z.string(),
    reason: z.string().nullable().openapi({ description: 'Why it is pending, failed or unknown.' }),
    driver: z.string().nullable(),
    error: z.string().nullable(),
    owner_id: uuid,
    ...operationRef,
  })
  .openapi('Service', {
    example: {
      id: '4d3c2b1a-0f9e-4d8c-b7a6-5e4d3c2b1a0f',
      name: 'todo-backend-service',
      type: 'ClusterIP',
      port: 80,
      target_port: 8000,
      protocol: 'TCP',
      created_at: '2026-02-07T10:00:00.000Z',
      last_updated: '2026-02-07T10:00:05.000Z',
      status: 'active',
      deployment_id: '2b1f9d3c-4e5a-4b6c-8d7e-9f0a1b2c3d4e',
      minikube_cluster_id: '7c9e6679-7425-40de-944b-e07fc1f90ae7',
      namespace: 'default',
      reason: null,
      driver: 'sandbox',
      error: null,
      owner_id: '9a0f2c3d-1b2e-4f5a-8c7d-6e5f4a3b2c1d',
    },
  });
export type Service = z.infer<typeof Service>;

export const ServiceList = pageOf(Service, 'ServiceList');
export const ServiceListQuery = pageQuery(serviceStatuses);

export const serviceRoutes = {
  createService: defineRoute({
    operationId: 'createService',
    method: 'post',
    path: '/api/services',
    tag: TAG,
    summary: 'Expose a deployment (on its cluster and namespace); applied as an operation',
    body: CreateServiceBody,
    idempotent: true,
    errors: [403, 404, 409],
    responses: {
      201: { description: 'Recorded, status `pending`.', schema: Service, headers: ['Location'] },
    },
  }),
  listServices: listRoute({
    operationId: 'listServices',
    path: '/api/services',
    tag: TAG,
    summary: 'List your services',
    query: ServiceListQuery,
    schema: ServiceList,
  }),
  getService: getRoute({
    operationId: 'getService',
    path: '/api/services/{id}',
    tag: TAG,
    summary: 'Get a service and its status',
    description: 'The service.',
    schema: Service,
  }),
  updateService: defineRoute({
    operationId: 'updateService',
    method: 'put',
    path: '/api/services/{id}',
    tag: TAG,
    summary: 'Change type, ports or protocol (re-applied as an operation)',
    params: IdParams,
    body: UpdateServiceBody,
    idempotent: true,
    errors: [403, 404, 409],
    responses: { 202: { description: 'Update started.', schema: Service, headers: ['Location'] } },
  }),
  deleteService: deleteRoute({
    operationId: 'deleteService',
    path: '/api/services/{id}',
    tag: TAG,
    summary: 'Delete a service',
  }),
};
