import { IdParams, pageOf, pageQuery, text, timestamp, uuid, z } from './common.ts';
import { defineRoute } from './route.ts';

// The kubeconfig-context allowlist (admins): a `kind: kubeconfig` cluster may name only a context
// assigned here to its owner (else 403). One owner per context.

const TAG = 'Kube contexts';

/** Letters, digits and `_ . : @ / -`, never starting with `-` (it would read as a CLI option). */
export const kubeContextName = text(253).regex(
  /^[A-Za-z0-9_.:@/][A-Za-z0-9_.:@/-]*$/,
  'must be letters, digits, "_", ".", ":", "@", "/" or "-", not starting with "-"',
);

export const CreateKubeContextBody = z
  .object({
    context: kubeContextName.openapi({ description: 'The kubeconfig context name.' }),
    owner_id: uuid.openapi({ description: 'The user who may register clusters on it.' }),
  })
  .openapi('CreateKubeContext', {
    example: { context: 'team-a-prod', owner_id: '0b7c2a9e-2f4b-4a0e-9d7f-4d3c2b1a0f9e' },
  });
export type CreateKubeContextBody = z.infer<typeof CreateKubeContextBody>;

export const KubeContextAssignment = z
  .object({
    id: uuid,
    context: z.string(),
    owner_id: uuid,
    created_by: uuid.nullable(),
    created_at: timestamp,
  })
  .openapi('KubeContext');
export type KubeContextAssignment = z.infer<typeof KubeContextAssignment>;

export const KubeContextList = pageOf(KubeContextAssignment, 'KubeContextList');

export const kubeContextRoutes = {
  createKubeContext: defineRoute({
    operationId: 'createKubeContext',
    method: 'post',
    path: '/api/kube-contexts',
    tag: TAG,
    summary: 'Assign a kubeconfig context to an owner (admins only)',
    body: CreateKubeContextBody,
    idempotent: true,
    errors: [403, 409],
    responses: { 201: { description: 'Assigned.', schema: KubeContextAssignment } },
  }),
  listKubeContexts: defineRoute({
    operationId: 'listKubeContexts',
    method: 'get',
    path: '/api/kube-contexts',
    tag: TAG,
    summary: 'The assigned kubeconfig contexts, newest first (admins only)',
    query: pageQuery(['any'] as const).pick({ page: true, per_page: true }),
    errors: [403],
    responses: { 200: { description: 'One page.', schema: KubeContextList, paginated: true } },
  }),
  deleteKubeContext: defineRoute({
    operationId: 'deleteKubeContext',
    method: 'delete',
    path: '/api/kube-contexts/{id}',
    tag: TAG,
    summary: 'Withdraw an assignment (admins only); clusters already registered on it are left alone',
    params: IdParams,
    idempotent: true,
    errors: [403, 404],
    responses: { 204: { description: 'Withdrawn.' } },
  }),
};
