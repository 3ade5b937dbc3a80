import { z } from '@hono/zod-openapi';

// The building blocks every resource's schemas are made of. `z` here is zod 4 with `.openapi()`
// (from @hono/zod-openapi), so the same schema validates a request, types a handler and documents
// itself in /openapi.json.

export { z };

// No regex flags: the pattern is copied into the OpenAPI document, where flags do not exist.
const UUID_RE = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

export function isUuid(s: string): boolean {
  return UUID_RE.test(s);
}

const noNul = (s: string) => !s.includes('\u0000');

/** A non-empty string of at most `max` characters, without NUL (Postgres text cannot hold it). */
export const text = (max: number) =>
  z.string().min(1, 'must not be empty').max(max).refine(noNul, 'must not contain NUL characters');

/** Optional free text (descriptions): may be empty or null. */
export const freeText = (max: number) =>
  z.string().max(max).refine(noNul, 'must not contain NUL characters').nullable().optional();

export const uuid = z.string().regex(UUID_RE, 'must be a UUID').openapi({ format: 'uuid' });

/** A DNS-1123 label: what Kubernetes accepts as a deployment, service or namespace name. */
export const dnsLabel = z
  .string()
  .min(1, 'must not be empty')
  .max(63)
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'must be lowercase letters, digits and dashes (DNS-1123 label)');

export const int = (min: number, max: number) => z.number().int().min(min).max(max);

/** `base`, further checked by `check` (null when valid, else the issue): rules shared with the worker. */
export const checkedBy = <T extends z.ZodType<string>>(base: T, check: (v: string) => string | null) =>
  base.superRefine((v, ctx) => {
    const issue = check(v);
    if (issue) ctx.addIssue({ code: 'custom', message: issue });
  });

// ---- responses ---------------------------------------------------------------------------------

/** An ISO-8601 instant as the API writes it (`Date.toISOString()`), or null where not yet known. */
export const timestamp = z.string().openapi({ format: 'date-time', example: '2026-02-07T10:00:00.000Z' });
export const nullableTimestamp = timestamp.nullable();

export const ErrorDetails = z
  .object({
    field: z.string().openapi({ description: 'The first bad field (`(body)` for the body as a whole).' }),
    issue: z.string(),
  })
  .openapi('ErrorDetails');

/** The contract's error body, for every 4xx and 5xx. */
export const ErrorBody = z
  .object({
    error: z.string().openapi({ description: 'The status title, e.g. `Not Found`, `Invalid request`.' }),
    message: z.string(),
    id: z.string().optional().openapi({ description: 'The resource the error is about.' }),
    details: ErrorDetails.optional(),
  })
  .openapi('Error', {
    example: {
      error: 'Not Found',
      message: 'Resource not found',
      id: '0b7c2a9e-2f4b-4a0e-9d7f-4d3c2b1a0f9e',
    },
  });
export type ErrorBody = z.infer<typeof ErrorBody>;

/** `{ message, id }` (+ `operation_id` when removal continues as an operation). */
export const DeletedBody = z
  .object({
    message: z.string(),
    id: uuid,
    operation_id: uuid.optional().openapi({ description: 'The operation that finishes the removal.' }),
  })
  .openapi('Deleted');

/** Added to every body that started work, with a `Location: /api/operations/{id}` header. */
export const operationRef = {
  operation_id: uuid.optional().openapi({
    description: 'The operation carrying out this request; poll or watch it (also in `Location`).',
  }),
};

// ---- request parameters -----------------------------------------------------------------------

/** Path `{id}`; anything that is not a UUID is answered 404 (it cannot exist), never 422. */
export const IdParams = z.object({
  id: z
    .string()
    .regex(UUID_RE, 'must be a UUID')
    .transform((s) => s.toLowerCase())
    .openapi({
      param: { name: 'id', in: 'path' },
      format: 'uuid',
      example: '0b7c2a9e-2f4b-4a0e-9d7f-4d3c2b1a0f9e',
    }),
});

export const DEFAULT_PER_PAGE = 20;
export const MAX_PER_PAGE = 100;
// Keeps (page - 1) * per_page far inside safe integers and Postgres bigint.
export const MAX_PAGE = 1_000_000;

/** A positive integer query parameter; '' or absent is the default. The messages are the API's own. */
const positiveInt = (dflt: number, max: number) =>
  z
    .string()
    .optional()
    .transform((raw, ctx): number => {
      if (raw === undefined || raw === '') return dflt;
      if (!/^\d{1,9}$/.test(raw)) {
        ctx.addIssue({ code: 'custom', message: 'must be a positive integer' });
        return z.NEVER;
      }
      const n = Number(raw);
      if (n < 1) ctx.addIssue({ code: 'custom', message: 'must be at least 1' });
      else if (n > max) ctx.addIssue({ code: 'custom', message: `must be at most ${max}` });
      return n;
    })
    .openapi({ type: 'integer', minimum: 1, maximum: max, default: dflt });

const emptyIsAbsent = (raw: string | undefined) => (raw === '' ? undefined : raw);

/** ?page=&per_page=&status=&name= of every list; `statuses` are the resource's status values. */
export function pageQuery<S extends readonly [string, ...string[]]>(statuses: S) {
  return z.object({
    page: positiveInt(1, MAX_PAGE).openapi({ description: 'Page number, from 1.' }),
    per_page: positiveInt(DEFAULT_PER_PAGE, MAX_PER_PAGE).openapi({
      description: 'Items per page (at most 100).',
    }),
    status: z
      .string()
      .optional()
      .transform(emptyIsAbsent)
      .refine(
        (s) => s === undefined || (statuses as readonly string[]).includes(s),
        `must be one of: ${statuses.join(', ')}`,
      )
      .transform((s) => s as S[number] | undefined)
      .openapi({ type: 'string', enum: [...statuses], description: 'Only items in this status.' }),
    name: z
      .string()
      .optional()
      .transform(emptyIsAbsent)
      .refine(
        (s) => s === undefined || (s.length <= 253 && !s.includes('\u0000')),
        'must be at most 253 characters',
      )
      .openapi({ type: 'string', maxLength: 253, description: 'Only items whose name contains this text.' }),
  });
}

/** The list body: `{ items, page, per_page, total }` (headers X-Total-Count, Link, Page, PerPage). */
export function pageOf<T extends z.ZodType>(item: T, name: string) {
  return z
    .object({
      items: z.array(item),
      page: z.number().int(),
      per_page: z.number().int(),
      total: z.number().int(),
    })
    .openapi(name);
}

/** A status tuple as a zod enum. */
export const statusEnum = <S extends readonly [string, ...string[]]>(values: S) => z.enum(values);
