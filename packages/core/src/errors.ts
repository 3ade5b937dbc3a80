// Domain errors carry a code (mapped to HTTP in exactly one place, apps/api/src/errors.ts) and
// whether retrying could help (mapped to BullMQ in exactly one place, apps/worker).
export type DomainErrorCode =
  | 'validation' // 422: a field is wrong
  | 'bad_request' // 400
  | 'unauthorized' // 401
  | 'forbidden' // 403
  | 'not_found' // 404
  | 'conflict' // 409: duplicate, or the current state forbids the action
  | 'idempotency_mismatch' // 422: Idempotency-Key reused with another body
  | 'unavailable' // 503: Postgres or Redis unreachable
  | 'fenced' // a late writer lost its lease
  | 'internal';

export class DomainError extends Error {
  readonly code: DomainErrorCode;
  readonly retryable: boolean;
  /** The resource concerned (404/409 bodies carry it). */
  readonly id?: string;
  /** The first bad field for validation errors. */
  readonly details?: { field: string; issue: string };
  constructor(
    code: DomainErrorCode,
    message: string,
    opts: {
      retryable?: boolean;
      id?: string;
      details?: { field: string; issue: string };
      cause?: unknown;
    } = {},
  ) {
    super(message, { cause: opts.cause });
    this.name = 'DomainError';
    this.code = code;
    this.retryable = opts.retryable ?? false;
    if (opts.id !== undefined) this.id = opts.id;
    if (opts.details !== undefined) this.details = opts.details;
  }
}

export const notFound = (id: string, message = 'Resource not found') =>
  new DomainError('not_found', message, { id });
export const conflict = (id: string, message = 'Resource already exists') =>
  new DomainError('conflict', message, { id });
export const invalidField = (field: string, issue: string, message = 'Validation failed') =>
  new DomainError('validation', message, { details: { field, issue } });

/** postgres.js error codes that mean "the database is not there right now". */
const unavailableCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'CONNECT_TIMEOUT',
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
  '57P01',
  '57P02',
  '57P03',
  '53300',
]);

/** True for connection-level failures of Postgres or Redis (transient: retry, or answer 503). */
export function isUnavailableError(e: unknown): boolean {
  let cur: unknown = e;
  for (let i = 0; i < 4 && cur; i++) {
    if (typeof cur === 'object' && cur !== null) {
      const code = (cur as { code?: unknown }).code;
      if (typeof code === 'string' && unavailableCodes.has(code)) return true;
      const msg = (cur as { message?: unknown }).message;
      if (
        typeof msg === 'string' &&
        /Connection is closed|Stream isn't writeable|enableOfflineQueue|ECONNREFUSED|write EPIPE|Reached the max retries/i.test(
          msg,
        )
      )
        return true;
      cur = (cur as { cause?: unknown }).cause;
    } else break;
  }
  return false;
}
