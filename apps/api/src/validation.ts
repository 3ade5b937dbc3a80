import { DomainError, notFound } from '@slipway/core';
import type { Context } from 'hono';
import { z } from 'zod';

// Request input helpers. Everything a route hands to core has been through one of these, so no
// client input can reach Postgres in a shape it would reject (bad uuid, NUL byte, integer overflow).

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

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

export const uuid = z.string().regex(UUID_RE, 'must be a UUID');

/** A DNS-1123 label: what Kubernetes accepts as a deployment, service or namespace name. */
export const dnsLabel = z
  .string()
  .min(1, 'must not be empty')
  .max(63)
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'must be lowercase letters, digits and dashes (DNS-1123 label)');

export const int = (min: number, max: number) => z.number().int().min(min).max(max);

const badBody = (issue: string) =>
  new DomainError('bad_request', 'Invalid request body', { details: { field: '(body)', issue } });

/** The body as JSON: unparsable or empty is a 400 in the contract's shape. */
export async function readJson(c: Context): Promise<unknown> {
  const raw = await c.req.text();
  if (raw.trim() === '') throw badBody('a JSON body is required');
  try {
    return JSON.parse(raw);
  } catch {
    throw badBody('malformed JSON');
  }
}

/** Missing fields say so; everything else keeps zod's description of what was expected. */
const issueText: z.core.$ZodErrorMap = (iss) =>
  iss.input === undefined && iss.code === 'invalid_type' ? 'required field is missing' : undefined;

/** Validates a JSON object against `schema`; the 422 names the FIRST bad field. Unknown fields are dropped. */
export function parseBody<S extends z.ZodType>(schema: S, data: unknown): z.output<S> {
  if (data === null || typeof data !== 'object' || Array.isArray(data))
    throw badBody('expected a JSON object');
  const r = schema.safeParse(data, { error: issueText });
  if (r.success) return r.data;
  const first = r.error.issues[0];
  const field = first?.path.map(String).join('.') || '(body)';
  throw new DomainError('validation', 'Validation failed', {
    details: { field, issue: first?.message ?? 'invalid' },
  });
}

export async function jsonBody<S extends z.ZodType>(c: Context, schema: S): Promise<z.output<S>> {
  return parseBody(schema, await readJson(c));
}

/** A path id: anything that is not a UUID cannot exist, so it is a 404, never a Postgres cast error. */
export function idParam(c: Context, name = 'id'): string {
  const v = c.req.param(name) ?? '';
  if (!isUuid(v)) throw notFound(v.slice(0, 100));
  return v.toLowerCase();
}
