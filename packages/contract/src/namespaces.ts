import { dnsLabel, IdParams, pageOf, pageQuery, timestamp, uuid, z } from './common.ts';
import { defineRoute } from './route.ts';

// Namespace assignments (admins): an owner deploys into its default namespace (`slipway-u-<its id's 32
// hex digits>`, used when a deployment names none) and into the namespaces assigned here to it; any
// other is a 403, admins included. One owner per namespace.

const TAG = 'Namespaces';

export const CreateNamespaceAssignmentBody = z
  .object({
    namespace: dnsLabel.openapi({
      description:
        'A DNS-1123 label; not a system namespace (kube-*, openshift-*, ...) nor a default (`slipway-u-*`).',
    }),
    owner_id: uuid.openapi({ description: 'The user who may deploy into it.' }),
  })
  .openapi('CreateNamespaceAssignment', {
    example: { namespace: 'team-a', owner_id: '0b7c2a9e-2f4b-4a0e-9d7f-4d3c2b1a0f9e' },
  });
export type CreateNamespaceAssignmentBody = z.infer<typeof CreateNamespaceAssignmentBody>;

export const NamespaceAssignment = z
  .object({
    id: uuid,
    namespace: z.string(),
    owner_id: uuid,
    created_by: uuid.nullable().openapi({
      description: 'The admin who assigned it; null: assigned by the migration to existing rows.',
    }),
    created_at: timestamp,
  })
  .openapi('NamespaceAssignment');
export type NamespaceAssignment = z.infer<typeof NamespaceAssignment>;

export const NamespaceAssignmentList = pageOf(NamespaceAssignment, 'NamespaceAssignmentList');

export const NamespaceAssignmentListQuery = pageQuery(['any'] as const)
  .pick({ page: true, per_page: true })
  .extend({
    owner_id: z
      .preprocess((v) => (v === '' ? undefined : v), uuid.optional())
      .openapi({ type: 'string', format: 'uuid', description: "Only this owner's assignments." }),
  });

export const namespaceRoutes = {
  createNamespaceAssignment: defineRoute({
    operationId: 'createNamespaceAssignment',
    method: 'post',
    path: '/api/namespaces',
    tag: TAG,
    summary: 'Assign a namespace to an owner (admins only)',
    body: CreateNamespaceAssignmentBody,
    idempotent: true,
    errors: [403, 409],
    responses: { 201: { description: 'Assigned.', schema: NamespaceAssignment } },
  }),
  listNamespaceAssignments: defineRoute({
    operationId: 'listNamespaceAssignments',
    method: 'get',
    path: '/api/namespaces',
    tag: TAG,
    summary: 'The namespace assignments, newest first (admins only)',
    query: NamespaceAssignmentListQuery,
    errors: [403],
    responses: { 200: { description: 'One page.', schema: NamespaceAssignmentList, paginated: true } },
  }),
  deleteNamespaceAssignment: defineRoute({
    operationId: 'deleteNamespaceAssignment',
    method: 'delete',
    path: '/api/namespaces/{id}',
    tag: TAG,
    summary:
      "Withdraw an assignment (admins only): the owner's later changes there are refused (403), and so are the operations it had queued",
    params: IdParams,
    idempotent: true,
    errors: [403, 404],
    responses: { 204: { description: 'Withdrawn.' } },
  }),
};
