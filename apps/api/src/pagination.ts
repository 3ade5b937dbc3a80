import type { Page, PageQuery } from '@slipway/core';
import { DomainError } from '@slipway/core';
import type { Context } from 'hono';

// List endpoints: ?page=&per_page= (defaults 1 and 20, per_page at most 100), optional status and
// name filters, and the contract's pagination headers.

export const DEFAULT_PER_PAGE = 20;
export const MAX_PER_PAGE = 100;
// Keeps (page - 1) * per_page far inside safe integers and Postgres bigint.
export const MAX_PAGE = 1_000_000;

const invalid = (field: string, issue: string) =>
  new DomainError('validation', 'Invalid query parameters', { details: { field, issue } });

function positiveInt(raw: string | undefined, field: string, dflt: number, max: number): number {
  if (raw === undefined || raw === '') return dflt;
  if (!/^\d{1,9}$/.test(raw)) throw invalid(field, 'must be a positive integer');
  const n = Number(raw);
  if (n < 1) throw invalid(field, 'must be at least 1');
  if (n > max) throw invalid(field, `must be at most ${max}`);
  return n;
}

/** Reads page, per_page, status (one of `statuses`) and name from the query string. */
export function parsePageQuery(c: Context, statuses: readonly string[]): PageQuery {
  const page = positiveInt(c.req.query('page'), 'page', 1, MAX_PAGE);
  const perPage = positiveInt(c.req.query('per_page'), 'per_page', DEFAULT_PER_PAGE, MAX_PER_PAGE);
  const status = c.req.query('status') || undefined;
  if (status !== undefined && !statuses.includes(status))
    throw invalid('status', `must be one of: ${statuses.join(', ')}`);
  const name = c.req.query('name') || undefined;
  if (name !== undefined && (name.length > 253 || name.includes('\u0000')))
    throw invalid('name', 'must be at most 253 characters');
  return { page, perPage, status, name };
}

export function lastPage(total: number, perPage: number): number {
  return Math.max(1, Math.ceil(total / perPage));
}

/**
 * RFC 8288 Link header with first, prev, next and last, as path URLs that keep every other query
 * parameter (filters) of the request. prev/next are left out where there is no such page.
 */
export function buildLinkHeader(url: URL, page: number, perPage: number, total: number): string {
  const last = lastPage(total, perPage);
  const href = (p: number) => {
    const params = new URLSearchParams(url.search);
    params.set('page', String(p));
    params.set('per_page', String(perPage));
    return `<${url.pathname}?${params.toString()}>`;
  };
  const links = [`${href(1)}; rel="first"`];
  if (page > 1) links.push(`${href(Math.min(page - 1, last))}; rel="prev"`);
  if (page < last) links.push(`${href(page + 1)}; rel="next"`);
  links.push(`${href(last)}; rel="last"`);
  return links.join(', ');
}

/** The list response: `{ items, page, per_page, total }` plus X-Total-Count, Link, Page, PerPage. */
export function listResponse<T, U>(c: Context, page: Page<T>, serialize: (row: T) => U): Response {
  c.header('X-Total-Count', String(page.total));
  c.header('Link', buildLinkHeader(new URL(c.req.url), page.page, page.perPage, page.total));
  c.header('Page', String(page.page));
  c.header('PerPage', String(page.perPage));
  return c.json({
    items: page.items.map(serialize),
    page: page.page,
    per_page: page.perPage,
    total: page.total,
  });
}
