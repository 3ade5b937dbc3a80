import { pageOf, pageQuery, text, timestamp, uuid, z } from './common.ts';
import { defineRoute } from './route.ts';
import { REFRESH_COOKIE } from './users.ts';

// The audit trail (GET /api/audit, admins) and signing out (POST /api/auth/logout).

export const AuditEntry = z
  .object({
    id: z.number().int(),
    user_id: uuid.nullable().openapi({ description: 'Who made the request (null: anonymous).' }),
    action: z.string().openapi({
      description: 'Method and route pattern (or the path, for the queue board).',
      example: 'POST /api/deployments/:id/scale',
    }),
    method: z.string(),
    path: z.string(),
    resource_id: z.string().nullable(),
    status_code: z.number().int().nullable().openapi({
      description: 'The response status; null while (or if) a committed change was not answered.',
    }),
    request_id: z.string().nullable(),
    at: timestamp,
  })
  .openapi('AuditEntry');
export type AuditEntry = z.infer<typeof AuditEntry>;

export const AuditList = pageOf(AuditEntry, 'AuditList');

const optional = <T extends z.ZodType>(schema: T) =>
  z.preprocess((v) => (v === '' ? undefined : v), schema.optional());

export const AuditListQuery = pageQuery(['any'] as const)
  .pick({ page: true, per_page: true })
  .extend({
    actor: optional(uuid).openapi({
      type: 'string',
      format: 'uuid',
      description: 'Only requests by this user id.',
    }),
    action: optional(text(200)).openapi({
      type: 'string',
      description:
        'Only this action (`POST /api/deployments/:id/scale`), or a prefix ending in `*` (`DELETE *`).',
    }),
    resource_id: optional(text(200)).openapi({
      type: 'string',
      description: 'Only requests on this resource.',
    }),
    from: optional(z.iso.datetime({ offset: true })).openapi({
      type: 'string',
      format: 'date-time',
      description: 'Only entries at or after this time.',
    }),
    to: optional(z.iso.datetime({ offset: true })).openapi({
      type: 'string',
      format: 'date-time',
      description: 'Only entries at or before this time.',
    }),
  });

export const LogoutBody = z
  .object({
    refresh_token: text(512)
      .optional()
      .openapi({
        description: `The refresh token of the login to end; omit it to use the \`${REFRESH_COOKIE}\` cookie.`,
      }),
  })
  .openapi('Logout');

export const auditRoutes = {
  logout: defineRoute({
    operationId: 'logout',
    method: 'post',
    path: '/api/auth/logout',
    tag: 'Auth',
    summary: 'Sign out: revoke the refresh token family (this login and every token rotated from it)',
    body: LogoutBody,
    errors: [401],
    responses: { 204: { description: 'Signed out; the refresh cookie (if any) is cleared.' } },
  }),
  listAudit: defineRoute({
    operationId: 'listAudit',
    method: 'get',
    path: '/api/audit',
    tag: 'Audit',
    summary: 'The audit trail, newest first (admins only)',
    query: AuditListQuery,
    errors: [403],
    responses: { 200: { description: 'One page.', schema: AuditList, paginated: true } },
  }),
};
