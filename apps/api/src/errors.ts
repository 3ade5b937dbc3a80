import { DomainError, isUnavailableError } from '@slipway/core';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';

// THE one place where an error becomes an HTTP status and a contract-shaped body. Anything not
// recognised is a 500 whose body says nothing about internals (the cause is logged, not returned).

export type ErrorDetails = { field: string; issue: string };
export type ErrorBody = { error: string; message: string; id?: string; details?: ErrorDetails };
export type HttpError = { status: ContentfulStatusCode; body: ErrorBody; headers?: Record<string, string> };

/** The contract's `error` title per status. */
const titles: Partial<Record<number, string>> = {
  400: 'Invalid request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  // Validation failures keep the contract's "Invalid request" title; the status says 422.
  422: 'Invalid request',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

export function errorBody(
  status: number,
  message: string,
  extra: { id?: string | undefined; details?: ErrorDetails | undefined } = {},
): ErrorBody {
  const body: ErrorBody = { error: titles[status] ?? 'Error', message };
  if (extra.id !== undefined && extra.id !== '') body.id = extra.id;
  if (extra.details !== undefined) body.details = extra.details;
  return body;
}

const domainStatus: Record<DomainError['code'], ContentfulStatusCode> = {
  validation: 422,
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  idempotency_mismatch: 422,
  unavailable: 503,
  // A late writer losing its lease is a state conflict from the client's point of view.
  fenced: 409,
  internal: 500,
};

const INTERNAL = 'An unexpected error occurred';
const UNAVAILABLE = 'A backing service (database or queue) is unavailable; retry shortly';

function pgCode(e: unknown): string | undefined {
  let cur: unknown = e;
  for (let i = 0; i < 3 && cur && typeof cur === 'object'; i++) {
    const code = (cur as { code?: unknown }).code;
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return code;
    cur = (cur as { cause?: unknown }).cause;
  }
  return undefined;
}

/** Maps any thrown value to the response the client sees. */
export function toHttpError(e: unknown): HttpError {
  if (e instanceof DomainError) {
    const status = domainStatus[e.code];
    if (status === 500) return { status, body: errorBody(500, INTERNAL) };
    if (status === 503) return { status, body: errorBody(503, UNAVAILABLE), headers: { 'Retry-After': '5' } };
    const message =
      e.code === 'forbidden'
        ? 'Insufficient permissions'
        : e.code === 'validation' && !e.message
          ? 'Validation failed'
          : e.message;
    return { status, body: errorBody(status, message, { id: e.id, details: e.details }) };
  }
  if (isUnavailableError(e)) {
    return { status: 503, body: errorBody(503, UNAVAILABLE), headers: { 'Retry-After': '5' } };
  }
  if (e instanceof HTTPException) {
    const status = e.status as ContentfulStatusCode;
    if (status >= 500) return { status: 500, body: errorBody(500, INTERNAL) };
    return { status, body: errorBody(status, status === 400 ? 'Invalid request body' : e.message) };
  }
  // Defence in depth: routes validate input before it reaches SQL, but should a value still slip
  // through, a Postgres data exception (class 22: bad uuid, out of range, NUL byte) is the client's
  // mistake, and an integrity violation (class 23) is a conflict, never a 500.
  const code = pgCode(e);
  if (code?.startsWith('22')) return { status: 400, body: errorBody(400, 'Invalid request parameters') };
  if (code?.startsWith('23')) return { status: 409, body: errorBody(409, 'Resource conflict') };
  return { status: 500, body: errorBody(500, INTERNAL) };
}
