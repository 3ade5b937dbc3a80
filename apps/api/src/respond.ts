import type { Context } from 'hono';
import type { AppEnv } from './context.ts';

/**
 * A response for a request that started work: the body gains `operation_id` and the Location
 * header points at the operation to poll. Without an operation (nothing left to do) it is plain.
 */
export function startedWork<T extends object, S extends 200 | 201 | 202>(
  c: Context<AppEnv>,
  body: T,
  operation: { id: string } | null,
  status: S,
) {
  if (!operation) return c.json(body as T & { operation_id?: string }, status);
  c.header('Location', `/api/operations/${operation.id}`);
  return c.json({ ...body, operation_id: operation.id } as T & { operation_id?: string }, status);
}
