import { DomainError } from '@slipway/core';
import { HTTPException } from 'hono/http-exception';
import { describe, expect, it } from 'vitest';
import { toHttpError } from './errors.ts';

describe('toHttpError', () => {
  it('maps every DomainError code to its status and the contract body', () => {
    const cases: [DomainError, number, object][] = [
      [
        new DomainError('validation', 'Validation failed', {
          details: { field: 'name', issue: 'required field is missing' },
        }),
        422,
        {
          error: 'Invalid request',
          message: 'Validation failed',
          details: { field: 'name', issue: 'required field is missing' },
        },
      ],
      [
        new DomainError('bad_request', 'Invalid request body'),
        400,
        { error: 'Invalid request', message: 'Invalid request body' },
      ],
      [
        new DomainError('unauthorized', 'Authentication required'),
        401,
        { error: 'Unauthorized', message: 'Authentication required' },
      ],
      [
        new DomainError('forbidden', 'whatever'),
        403,
        { error: 'Forbidden', message: 'Insufficient permissions' },
      ],
      [
        new DomainError('not_found', 'Resource not found', { id: 'a' }),
        404,
        { error: 'Not Found', message: 'Resource not found', id: 'a' },
      ],
      [
        new DomainError('conflict', 'Resource already exists', { id: 'b' }),
        409,
        { error: 'Conflict', message: 'Resource already exists', id: 'b' },
      ],
      [
        new DomainError('idempotency_mismatch', 'reused'),
        422,
        { error: 'Invalid request', message: 'reused' },
      ],
      [new DomainError('unavailable', 'db down'), 503, { error: 'Service Unavailable' }],
      [new DomainError('fenced', 'late'), 409, { error: 'Conflict' }],
      [
        new DomainError('internal', 'secret detail'),
        500,
        { error: 'Internal Server Error', message: 'An unexpected error occurred' },
      ],
    ];
    for (const [err, status, body] of cases) {
      const h = toHttpError(err);
      expect(h.status, err.code).toBe(status);
      expect(h.body, err.code).toMatchObject(body);
    }
  });

  it('connection failures are 503 with Retry-After; Postgres data errors are 400; anything else a bare 500', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    expect(toHttpError(refused)).toMatchObject({ status: 503, headers: { 'Retry-After': '5' } });
    const cast = Object.assign(new Error('invalid input syntax for type uuid'), { code: '22P02' });
    expect(toHttpError(new Error('query failed', { cause: cast })).status).toBe(400);
    const unique = Object.assign(new Error('duplicate key'), { code: '23505' });
    expect(toHttpError(unique).status).toBe(409);
    const boom = toHttpError(
      new TypeError("Cannot read properties of undefined (reading 'x') at /src/secret.ts:1"),
    );
    expect(boom).toEqual({
      status: 500,
      body: { error: 'Internal Server Error', message: 'An unexpected error occurred' },
    });
    expect(toHttpError(new HTTPException(400)).body).toEqual({
      error: 'Invalid request',
      message: 'Invalid request body',
    });
    expect(toHttpError('a string').status).toBe(500);
  });
});
