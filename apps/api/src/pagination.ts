import type { Page, PageQuery } from '@slipway/core';
import type { Context } from 'hono';

// List endpoints: ?page=&per_page= (defaults 1 and 20, per_page at most 100), optional status and
// name filters (validated by the route's query schema, @slipway/contract's pageQuery), and the
// contract's pagination headers.

/** The validated query of a list route -> core's page query. */
export function pageQuery<S extends string>(q: {
  page: number;
  per_page: number;
  status?: S | undefined;
  name?: string | undefined;
}): PageQuery & { status: S | undefined } {
  return { page: q.page, perPage: q.per_page, status: q.status, name: q.name };
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
export function listResponse<T, U>(c: Context, page: Page<T>, serialize: (row: T) => U) {
  c.header('X-Total-Count', String(page.total));
  c.header('Link', buildLinkHeader(new URL(c.req.url), page.page, page.perPage, page.total));
  c.header('Page', String(page.page));
  c.header('PerPage', String(page.perPage));
  return c.json(
    { items: page.items.map(serialize), page: page.page, per_page: page.perPage, total: page.total },
    200,
  );
}
