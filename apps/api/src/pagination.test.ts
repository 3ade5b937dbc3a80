import { describe, expect, it } from 'vitest';
import { buildLinkHeader, lastPage } from './pagination.ts';

const rels = (link: string) =>
  Object.fromEntries(
    link.split(', ').map((part) => {
      const m = /^<([^>]+)>; rel="(\w+)"$/.exec(part);
      if (!m?.[1] || !m[2]) throw new Error(`bad link part ${part}`);
      return [m[2], m[1]];
    }),
  );

describe('buildLinkHeader', () => {
  it('first, prev, next and last in the middle, keeping filters', () => {
    const url = new URL('http://x/api/deployments?status=running&name=a%20b&page=3&per_page=10');
    expect(rels(buildLinkHeader(url, 3, 10, 95))).toEqual({
      first: '/api/deployments?status=running&name=a+b&page=1&per_page=10',
      prev: '/api/deployments?status=running&name=a+b&page=2&per_page=10',
      next: '/api/deployments?status=running&name=a+b&page=4&per_page=10',
      last: '/api/deployments?status=running&name=a+b&page=10&per_page=10',
    });
  });

  it('no prev on the first page, no next on the last; an empty list has one page', () => {
    const url = new URL('http://x/api/services');
    expect(Object.keys(rels(buildLinkHeader(url, 1, 20, 0)))).toEqual(['first', 'last']);
    expect(Object.keys(rels(buildLinkHeader(url, 1, 20, 21)))).toEqual(['first', 'next', 'last']);
    expect(Object.keys(rels(buildLinkHeader(url, 2, 20, 21)))).toEqual(['first', 'prev', 'last']);
  });

  it('past the end: prev points at the last page', () => {
    const r = rels(buildLinkHeader(new URL('http://x/api/services'), 9, 20, 30));
    expect(r.prev).toBe('/api/services?page=2&per_page=20');
    expect(r.next).toBeUndefined();
  });

  it('lastPage', () => {
    expect(lastPage(0, 20)).toBe(1);
    expect(lastPage(20, 20)).toBe(1);
    expect(lastPage(21, 20)).toBe(2);
  });
});
