import type { MiddlewareHandler } from 'hono';
import { getPath } from 'hono/utils/url';
import type { AppEnv } from '../context.ts';
import { errorBody } from '../errors.ts';

// Version 1 may be asked for in the URL (/v1/api/...), the Accept header
// (application/vnd.todo.v1+json) or the query (?version=1.0.0, 1, v1); any other version is a 400.
// The /v1 prefix itself is stripped by the router (app.ts getPath), so routes are declared once.
const ACCEPTED = new Set(['1', 'v1', '1.0', '1.0.0', 'v1.0', 'v1.0.0']);

function requested(c: Parameters<MiddlewareHandler<AppEnv>>[0]): string | null {
  const accept = c.req.header('Accept') ?? '';
  const media = /application\/vnd\.todo\.v([^+;,\s]+)\+json/i.exec(accept);
  if (media?.[1] && !ACCEPTED.has(media[1].toLowerCase())) return `v${media[1]}`;
  const q = c.req.query('version');
  if (q !== undefined && !ACCEPTED.has(q.toLowerCase())) return q;
  // The raw path (c.req.path has /v1 stripped already); getPath, not new URL(): once per request.
  const path = /^\/(v\d[^/]*)\/api(\/|$)/i.exec(getPath(c.req.raw));
  if (path?.[1] && !ACCEPTED.has(path[1].toLowerCase())) return path[1];
  return null;
}

export function apiVersion(): MiddlewareHandler<AppEnv> {
  // Not async: a request it accepts passes straight through (no promise of its own).
  return function negotiateVersion(c, next) {
    const bad = requested(c);
    if (bad !== null) {
      return Promise.resolve(
        c.json(
          errorBody(400, 'Unsupported API version', {
            details: { field: 'version', issue: `version ${bad.slice(0, 40)} is not supported; use 1.0.0` },
          }),
          400,
        ),
      );
    }
    return next();
  };
}
