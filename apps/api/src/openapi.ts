import type { Hook, RouteConfig } from '@hono/zod-openapi';
import { OpenAPIHono } from '@hono/zod-openapi';
import { DomainError, notFound } from '@slipway/core';
import type { MiddlewareHandler } from 'hono';
import type { z } from 'zod';
import type { AppEnv } from './context.ts';

// The API's request validation: routes are declared with @hono/zod-openapi (createRoute, in
// @slipway/contract), which validates through @hono/zod-validator; this file turns a failed
// validation into the contract's error shapes, exactly as the hand-written validation did:
//   - path {id} that fails its schema: 404 (it cannot exist), never 422;
//   - query: 422 "Invalid query parameters" naming the first bad parameter;
//   - body: 400 "Invalid request body" for empty, malformed or non-object JSON (jsonBodyGate),
//     422 "Validation failed" naming the first bad field, "required field is missing" for absent ones.

type Issue = z.core.$ZodIssue;

/** The value at `path` inside `data`, or undefined. */
function at(data: unknown, path: readonly PropertyKey[]): unknown {
  let cur = data;
  for (const k of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[k];
  }
  return cur;
}

function describe(issue: Issue, data: unknown): string {
  if (issue.code === 'invalid_type' && at(data, issue.path) === undefined) return 'required field is missing';
  return issue.message;
}

const firstIssue = (error: z.ZodError, data: unknown, dflt: string) => {
  const first = error.issues[0];
  return {
    field: first?.path.map(String).join('.') || dflt,
    issue: first ? describe(first, data) : 'invalid',
  };
};

export const validationHook: Hook<unknown, AppEnv, string, unknown> = (result, c) => {
  if (result.success) return;
  const { target, error, data } = result as unknown as { target: string; error: z.ZodError; data: unknown };
  if (target === 'param') {
    const id = c.req.param('id') ?? '';
    throw notFound(id.slice(0, 100));
  }
  if (target === 'query') {
    throw new DomainError('validation', 'Invalid query parameters', {
      details: firstIssue(error, data, '(query)'),
    });
  }
  throw new DomainError('validation', 'Validation failed', { details: firstIssue(error, data, '(body)') });
};

const badBody = (issue: string) =>
  new DomainError('bad_request', 'Invalid request body', { details: { field: '(body)', issue } });

/**
 * Before a JSON route's validator: the body must be a JSON object. Parsing here (hono caches the
 * text, so the validator reads it again for free) keeps the contract's 400 with its details.
 */
export function jsonBodyGate(): MiddlewareHandler<AppEnv> {
  return async function requireJsonObject(c, next) {
    const raw = await c.req.text();
    if (raw.trim() === '') throw badBody('a JSON body is required');
    let data: unknown;
    try {
      data = JSON.parse(raw);
    } catch {
      throw badBody('malformed JSON');
    }
    if (data === null || typeof data !== 'object' || Array.isArray(data))
      throw badBody('expected a JSON object');
    await next();
  };
}

export function createOpenApiApp(getPath: (req: Request) => string): OpenAPIHono<AppEnv> {
  return new OpenAPIHono<AppEnv>({ getPath, defaultHook: validationHook });
}

const gate = jsonBodyGate();

/** A route with a JSON body: the body gate runs before the validator. */
export function withJsonBody<R extends RouteConfig>(
  route: R,
): R & { middleware: MiddlewareHandler<AppEnv>[] } {
  return { ...route, middleware: [gate] };
}
