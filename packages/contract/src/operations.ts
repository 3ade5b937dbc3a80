import { IdParams, isUuid, nullableTimestamp, pageOf, pageQuery, timestamp, uuid, z } from './common.ts';
import { defineRoute } from './route.ts';
import { operationStatuses, resourceTypes } from './vocabulary.ts';

const TAG = 'Operations';

export const OperationEvent = z
  .object({
    id: z.number().int().optional().openapi({ description: 'Monotonic event id (SSE `id`).' }),
    status: z.string(),
    message: z.string(),
    at: nullableTimestamp,
  })
  .openapi('OperationEvent');
export type OperationEvent = z.infer<typeof OperationEvent>;

export const Operation = z
  .object({
    id: uuid,
    kind: z.string().openapi({
      description: 'What it does: `entity.verb`, e.g. `deployment.scale`.',
      example: 'image.build',
    }),
    resource_type: z.enum(resourceTypes),
    resource_id: uuid,
    status: z.enum(operationStatuses),
    attempts: z.number().int(),
    progress: z.number().int().openapi({ description: '0-100' }),
    error: z.string().nullable(),
    result: z.record(z.string(), z.unknown()).nullable(),
    created_at: timestamp,
    started_at: nullableTimestamp,
    finished_at: nullableTimestamp,
    updated_at: timestamp,
    events: z.array(OperationEvent).optional().openapi({ description: 'Every event, oldest first.' }),
  })
  .openapi('Operation');
export type Operation = z.infer<typeof Operation>;

export const OperationList = pageOf(Operation, 'OperationList');

export const OperationListQuery = pageQuery(operationStatuses).extend({
  resource_id: z
    .string()
    .optional()
    .transform((s) => (s === '' ? undefined : s))
    .refine((s) => s === undefined || isUuid(s), 'must be a UUID')
    .openapi({ type: 'string', format: 'uuid', description: 'Only operations on this resource.' }),
  kind: z
    .string()
    .optional()
    .transform((s) => (s === '' ? undefined : s))
    .openapi({ type: 'string', description: 'Only operations of this kind, e.g. `deployment.scale`.' }),
});

// Shapes are spread rather than .extend()ed: an extended registered schema becomes an allOf in the
// document, which closed-object validation (and many generators) handle badly.
export const CancelledOperation = z
  .object({ message: z.string(), ...Operation.shape })
  .openapi('CancelledOperation');

export const operationRoutes = {
  listOperations: defineRoute({
    operationId: 'listOperations',
    method: 'get',
    path: '/api/operations',
    tag: TAG,
    summary: 'List your operations, newest first',
    query: OperationListQuery,
    responses: {
      200: { description: 'One page (events included).', schema: OperationList, paginated: true },
    },
  }),
  getOperation: defineRoute({
    operationId: 'getOperation',
    method: 'get',
    path: '/api/operations/{id}',
    tag: TAG,
    summary: 'Status, progress, error, result and every event of an operation',
    params: IdParams,
    errors: [404],
    responses: { 200: { description: 'The operation.', schema: Operation } },
  }),
  cancelOperation: defineRoute({
    operationId: 'cancelOperation',
    method: 'post',
    path: '/api/operations/{id}/cancel',
    tag: TAG,
    summary: 'Cancel a queued or running operation (409 once it has finished)',
    params: IdParams,
    idempotent: true,
    errors: [403, 404, 409],
    responses: { 200: { description: 'Cancelled.', schema: CancelledOperation } },
  }),
};
