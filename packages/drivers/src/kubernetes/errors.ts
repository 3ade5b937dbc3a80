// One place that turns what the Kubernetes client throws into DriverError: whether to retry is decided
// here, from the HTTP status and the Status object the API server sent, or from the network error.

import { DriverError } from '../types.ts';
import { k8sIfLoaded } from './client.ts';

export type K8sStatus = { code: number; reason: string; message: string };

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
]);

/** The Status object from an ApiException body (a JSON string in client-node v2), when there is one. */
export function statusOf(e: unknown): K8sStatus | null {
  const client = k8sIfLoaded(e);
  if (!client || !(e instanceof client.ApiException)) return null;
  const raw: unknown = e.body;
  let body: unknown = raw;
  if (typeof raw === 'string') {
    try {
      body = JSON.parse(raw);
    } catch {
      body = { message: raw };
    }
  }
  const b = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
  return {
    code: e.code,
    reason: typeof b.reason === 'string' ? b.reason : '',
    message: typeof b.message === 'string' && b.message ? b.message : `HTTP ${e.code}`,
  };
}

export function isNotFound(e: unknown): boolean {
  return statusOf(e)?.code === 404;
}

function networkCode(e: unknown): string | null {
  let cur: unknown = e;
  for (let i = 0; i < 5 && cur; i++) {
    const code = (cur as { code?: unknown }).code;
    if (typeof code === 'string' && NETWORK_CODES.has(code)) return code;
    const errors = (cur as { errors?: unknown }).errors;
    if (Array.isArray(errors)) for (const inner of errors) if (networkCode(inner)) return networkCode(inner);
    cur = (cur as { cause?: unknown }).cause;
  }
  return null;
}

/**
 * 404 not_found, 409 conflict (retryable only for optimistic-concurrency Conflicts), 429/5xx and network
 * failures retryable, other 4xx not; aborts and timeouts retryable (the operation can be run again).
 */
export function toDriverError(e: unknown, action: string, signal?: AbortSignal): DriverError {
  if (e instanceof DriverError) return e;
  const status = statusOf(e);
  if (status) {
    const message = `${action}: ${status.message}`;
    const { code, reason } = status;
    if (code === 404) return new DriverError('not_found', message, { retryable: false, cause: e });
    if (code === 409)
      return new DriverError('conflict', message, { retryable: reason === 'Conflict', cause: e });
    if (code === 401) return new DriverError('unauthorized', message, { retryable: false, cause: e });
    if (code === 403) return new DriverError('forbidden', message, { retryable: false, cause: e });
    if (code === 422 || code === 400)
      return new DriverError('invalid', message, { retryable: false, cause: e });
    if (code === 429) return new DriverError('rate_limited', message, { retryable: true, cause: e });
    if (code >= 500) return new DriverError('api_unavailable', message, { retryable: true, cause: e });
    return new DriverError('api_error', message, { retryable: false, cause: e });
  }
  const err = e instanceof Error ? e : new Error(String(e));
  // `signal` is the caller's (ctx.signal): aborted means cancelled; any other abort is our request timeout.
  if (signal?.aborted) return new DriverError('aborted', `${action}: aborted`, { retryable: true, cause: e });
  if (err.name === 'AbortError' || err.name === 'TimeoutError') {
    return new DriverError('timeout', `${action}: the API server did not answer in time`, {
      retryable: true,
      cause: e,
    });
  }
  const net = networkCode(e);
  if (net || err.message === 'fetch failed') {
    return new DriverError('unreachable', `${action}: API server unreachable (${net ?? err.message})`, {
      retryable: true,
      cause: e,
    });
  }
  return new DriverError('kubernetes_error', `${action}: ${err.message}`, { retryable: false, cause: e });
}
