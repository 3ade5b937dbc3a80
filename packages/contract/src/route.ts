import { createRoute, type RouteConfig } from '@hono/zod-openapi';
import { DeletedBody, ErrorBody, IdParams, type z } from './common.ts';

// One way to declare a route, so every route documents the same things the same way: its
// operationId and tag, parameters and body, each success with its schema and headers, every error
// status it can answer (the shared Error schema), the standard / rate-limit / pagination headers,
// and the Bearer security requirement unless it is public.

/**
 * Reusable response headers, registered once under components.headers. `required: true` means: on
 * every response that lists it (the truth test holds responses to that).
 */
export const HEADERS = {
  'API-Version': {
    required: true,
    description: 'The API version that answered: 1.0.0.',
    schema: { type: 'string' },
  },
  'Cache-Control': {
    required: true,
    description: 'Always `no-cache, no-store, must-revalidate`.',
    schema: { type: 'string' },
  },
  Pragma: { required: true, description: 'Always `no-cache`.', schema: { type: 'string' } },
  Expires: { required: true, description: 'Always `0`.', schema: { type: 'string' } },
  'X-Content-Type-Options': { required: true, description: 'Always `nosniff`.', schema: { type: 'string' } },
  'X-Frame-Options': { required: true, description: 'Always `DENY`.', schema: { type: 'string' } },
  'X-XSS-Protection': { required: true, description: 'Always `1; mode=block`.', schema: { type: 'string' } },
  'X-Request-Id': {
    required: true,
    description: 'The request id (echoed when the client sent one).',
    schema: { type: 'string' },
  },
  'X-RateLimit-Limit': {
    required: true,
    description: 'Requests allowed per minute for the caller.',
    schema: { type: 'integer' },
  },
  'X-RateLimit-Remaining': {
    required: true,
    description: 'Requests left in the current window.',
    schema: { type: 'integer' },
  },
  'X-RateLimit-Reset': {
    required: true,
    description: 'When the window resets (UNIX seconds).',
    schema: { type: 'integer' },
  },
  'Retry-After': { description: 'Seconds to wait before retrying.', schema: { type: 'integer' } },
  Location: {
    description: 'The operation carrying out the request: `/api/operations/{id}`.',
    schema: { type: 'string' },
  },
  'Idempotent-Replayed': {
    description: '`true` when this is the stored answer to an earlier request with the same Idempotency-Key.',
    schema: { type: 'string' },
  },
  'X-Total-Count': {
    required: true,
    description: 'Total number of items matching the filters.',
    schema: { type: 'integer' },
  },
  Link: {
    required: true,
    description: 'RFC 8288 links: first, prev, next, last.',
    schema: { type: 'string' },
  },
  Page: { required: true, description: 'The current page.', schema: { type: 'integer' } },
  PerPage: { required: true, description: 'Items per page.', schema: { type: 'integer' } },
} as const;
export type HeaderName = keyof typeof HEADERS;

/** On every response of every route (the standard-headers middleware sets them). */
export const STANDARD_HEADERS: readonly HeaderName[] = [
  'API-Version',
  'Cache-Control',
  'Pragma',
  'Expires',
  'X-Content-Type-Options',
  'X-Frame-Options',
  'X-XSS-Protection',
  'X-Request-Id',
];
const RATE_LIMIT_HEADERS: readonly HeaderName[] = [
  'X-RateLimit-Limit',
  'X-RateLimit-Remaining',
  'X-RateLimit-Reset',
];
const PAGINATION_HEADERS: readonly HeaderName[] = ['X-Total-Count', 'Link', 'Page', 'PerPage'];

/** What each error status means on this API. */
const ERROR_TEXT: Record<number, string> = {
  400: 'Invalid request: malformed JSON, a bad query value or an unsupported API version.',
  401: 'Authentication required: no, an invalid or an expired Bearer token.',
  403: 'Insufficient permissions (role).',
  404: 'Resource not found (or not yours).',
  409: 'Conflict: the resource exists, its state forbids this, or an Idempotency-Key is in flight.',
  413: 'Payload too large.',
  415: 'Unsupported media type.',
  422: 'Validation failed: `details` names the first bad field.',
  429: 'Rate limit exceeded; see Retry-After.',
  500: 'An unexpected error occurred.',
  503: 'A backing service (database or queue) is unavailable; see Retry-After.',
};

/** Component names of the shared error responses. */
export const ERROR_NAMES: Record<number, string> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  409: 'Conflict',
  413: 'PayloadTooLarge',
  415: 'UnsupportedMediaType',
  422: 'ValidationFailed',
  429: 'TooManyRequests',
  500: 'InternalServerError',
  503: 'ServiceUnavailable',
};

/** The response object of an error status: the Error schema (or `schema`) and its headers. */
export function errorResponse(status: number, schema: z.ZodType | { $ref: string } = ErrorBody) {
  const extra: HeaderName[] = status === 429 || status === 503 ? ['Retry-After'] : [];
  return {
    description: ERROR_TEXT[status] ?? 'Error',
    headers: headerRefs([...STANDARD_HEADERS, ...extra]),
    content: { 'application/json': { schema } },
  };
}

export type Success = {
  description: string;
  /** The JSON body (omit for a non-JSON body and give `content`). */
  schema?: z.ZodType;
  /** Non-JSON content, as OpenAPI media types (a zod schema types the handler's answer). */
  content?: Record<string, { schema: z.ZodType | Record<string, unknown> }>;
  /** Extra headers besides the standard (and rate-limit) ones. */
  headers?: readonly HeaderName[];
  /** The list headers. */
  paginated?: boolean;
};

export type RouteSpec = {
  operationId: string;
  method: 'get' | 'post' | 'put' | 'delete' | 'patch';
  /** OpenAPI path, `{id}` style. */
  path: string;
  tag: string;
  summary: string;
  description?: string;
  /** No token needed (login, refresh, health). */
  public?: boolean;
  /** Not under the authenticated /api prefix (healthz, readyz): no rate-limit headers. */
  unlimited?: boolean;
  params?: z.ZodObject;
  query?: z.ZodObject;
  /** A required JSON body. */
  body?: z.ZodType;
  /** A raw (non-JSON) body, documented only; the handler validates it. */
  rawBody?: { description: string; content: Record<string, { schema: Record<string, unknown> }> };
  /** Idempotency-Key is accepted (every write). */
  idempotent?: boolean;
  responses: Partial<Record<200 | 201 | 202 | 204, Success>>;
  /** Error statuses besides those every route can answer (400, 429, 500, 503; 401 unless public). */
  errors?: readonly (401 | 403 | 404 | 409 | 413 | 415 | 422)[];
  /** An error status whose body is more than the Error schema (readyz's 503 names its checks). */
  errorSchemas?: Partial<Record<400 | 403 | 404 | 409 | 422 | 503, z.ZodType>>;
};

const IDEMPOTENCY_KEY = {
  name: 'Idempotency-Key',
  in: 'header' as const,
  required: false,
  description:
    'Makes the write safe to retry: the same key and request within 24 h replays the first answer; the same key with another request is a 422; while the first runs, a 409.',
  schema: { type: 'string' as const, minLength: 1, maxLength: 255 },
};

function headerRefs(names: readonly HeaderName[]) {
  return Object.fromEntries(names.map((h) => [h, { $ref: `#/components/headers/${h}` }]));
}

/** Builds the createRoute() config for `spec`, with the house conventions applied. */
export function defineRoute<const S extends RouteSpec>(spec: S) {
  const limited = !spec.unlimited;
  const base = [...STANDARD_HEADERS, ...(limited ? RATE_LIMIT_HEADERS : [])];
  const responses: Record<string, unknown> = {};
  for (const [status, ok] of Object.entries(spec.responses) as [string, Success][]) {
    const names = [...base, ...(ok.headers ?? []), ...(ok.paginated ? PAGINATION_HEADERS : [])];
    if (spec.idempotent) names.push('Idempotent-Replayed');
    responses[status] = {
      description: ok.description,
      headers: headerRefs(names),
      ...(ok.schema
        ? { content: { 'application/json': { schema: ok.schema } } }
        : ok.content
          ? { content: ok.content }
          : {}),
    };
  }
  const errors = new Set<number>([400, 429, 500, 503, ...(spec.errors ?? [])]);
  if (!spec.public) errors.add(401);
  if (spec.body) {
    errors.add(413);
    errors.add(415);
    errors.add(422);
  }
  if (spec.query) errors.add(422);
  if (spec.idempotent) {
    errors.add(409);
    errors.add(422);
  }
  if (!limited) errors.delete(429);
  for (const status of [...errors].sort()) {
    const custom = spec.errorSchemas?.[status as 503];
    responses[String(status)] = custom
      ? errorResponse(status, custom)
      : { $ref: `#/components/responses/${ERROR_NAMES[status]}` };
  }

  const request: Record<string, unknown> = {};
  if (spec.params) request.params = spec.params;
  if (spec.query) request.query = spec.query;
  if (spec.body) {
    request.body = { required: true, content: { 'application/json': { schema: spec.body } } };
  } else if (spec.rawBody) {
    request.body = { required: true, description: spec.rawBody.description, content: spec.rawBody.content };
  }

  const config = {
    operationId: spec.operationId,
    method: spec.method,
    path: spec.path,
    tags: [spec.tag],
    summary: spec.summary,
    ...(spec.description ? { description: spec.description } : {}),
    ...(spec.public ? { security: [] } : {}),
    ...(spec.idempotent ? { parameters: [IDEMPOTENCY_KEY] } : {}),
    request,
    responses,
  };
  return createRoute(config as unknown as RouteShape<S>);
}

type Content<O> = O extends { schema: infer Z extends z.ZodType }
  ? { content: { 'application/json': { schema: Z } } }
  : O extends { content: infer C }
    ? { content: C }
    : object;

/** The static shape of defineRoute's output, precise enough for typed handlers (c.req.valid, c.json). */
export type RouteShape<S extends RouteSpec> = Omit<
  RouteConfig,
  'method' | 'path' | 'request' | 'responses'
> & {
  method: S['method'];
  path: S['path'];
  request: (S['params'] extends z.ZodObject ? { params: S['params'] } : object) &
    (S['query'] extends z.ZodObject ? { query: S['query'] } : object) &
    (S['body'] extends z.ZodType
      ? { body: { required: true; content: { 'application/json': { schema: S['body'] } } } }
      : object);
  // Only the successes: errors are thrown (DomainError -> errors.ts), never returned, so a handler's
  // return is checked against exactly the bodies it may answer with.
  responses: { [K in keyof S['responses']]: { description: string } & Content<S['responses'][K]> } & {
    [K in keyof S['errorSchemas']]: {
      description: string;
      content: { 'application/json': { schema: NonNullable<S['errorSchemas']>[K] } };
    };
  };
};

// The routes every resource has, declared the same way for each (one place for their conventions).

type Common<O extends string, P extends string> = { operationId: O; path: P; tag: string; summary: string };

/** GET a page of the caller's resources, with the list query and pagination headers. */
export function listRoute<
  const O extends string,
  const P extends string,
  Q extends z.ZodObject,
  Z extends z.ZodType,
>(o: Common<O, P> & { query: Q; schema: Z }) {
  return defineRoute({
    operationId: o.operationId,
    method: 'get',
    path: o.path,
    tag: o.tag,
    summary: o.summary,
    query: o.query,
    responses: { 200: { description: 'One page.', schema: o.schema, paginated: true } },
  });
}

/** GET one resource by `{id}` (another owner's is a 404). */
export function getRoute<const O extends string, const P extends string, Z extends z.ZodType>(
  o: Common<O, P> & { schema: Z; description: string },
) {
  return defineRoute({
    operationId: o.operationId,
    method: 'get',
    path: o.path,
    tag: o.tag,
    summary: o.summary,
    params: IdParams,
    errors: [404],
    responses: { 200: { description: o.description, schema: o.schema } },
  });
}

/** DELETE one resource by `{id}`: `{ message, id }`, plus the operation finishing the removal. */
export function deleteRoute<const O extends string, const P extends string>(o: Common<O, P>) {
  return defineRoute({
    operationId: o.operationId,
    method: 'delete',
    path: o.path,
    tag: o.tag,
    summary: o.summary,
    params: IdParams,
    idempotent: true,
    errors: [403, 404, 409],
    responses: { 200: { description: 'Deleted.', schema: DeletedBody, headers: ['Location'] } },
  });
}
