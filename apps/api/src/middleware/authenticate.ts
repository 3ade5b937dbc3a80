import { type CoreDeps, DomainError, getUser } from '@slipway/core';
import { annotateSpan } from '@slipway/telemetry';
import type { MiddlewareHandler } from 'hono';
import type { AppEnv, AuthUser } from '../context.ts';
import { verifyAccessToken } from '../tokens.ts';
import { isUuid } from '../validation.ts';

export type AuthenticateOptions = {
  core: CoreDeps;
  secret: string;
  /** Paths that need no token (login, refresh). */
  publicPaths: ReadonlySet<string>;
  /** How long a loaded user row is reused; a deleted user's token stops working after this. */
  cacheMs: number;
};

const required = () => new DomainError('unauthorized', 'Authentication required');

/**
 * Bearer JWT -> the user row. The token only proves who is calling; role and tier come from the
 * database (briefly cached), so a demoted or deleted user loses access without waiting for expiry.
 */
export function authenticate(opts: AuthenticateOptions): MiddlewareHandler<AppEnv> {
  const cache = new Map<string, { user: AuthUser | null; until: number }>();
  const load = async (id: string): Promise<AuthUser | null> => {
    const now = Date.now();
    const hit = cache.get(id);
    if (hit && hit.until > now) return hit.user;
    const row = await getUser(opts.core, id);
    const user: AuthUser | null = row
      ? { id: row.id, email: row.email, role: row.role, tier: row.tier }
      : null;
    if (opts.cacheMs > 0) {
      // Bounded: an attacker cycling valid-looking tokens cannot grow it without limit.
      if (cache.size > 10_000) cache.clear();
      cache.set(id, { user, until: now + opts.cacheMs });
    }
    return user;
  };

  return async function authenticateRequest(c, next) {
    if (opts.publicPaths.has(c.req.path)) return next();
    const header = c.req.header('Authorization') ?? '';
    const m = /^Bearer\s+([A-Za-z0-9._~+/=-]{1,4096})$/i.exec(header.trim());
    if (!m?.[1]) throw required();
    const claims = await verifyAccessToken(opts.secret, m[1]);
    if (!claims || !isUuid(claims.sub)) throw required();
    const user = await load(claims.sub);
    if (!user) throw required();
    c.set('user', user);
    c.set('actor', { id: user.id, role: user.role });
    annotateSpan({ 'enduser.id': user.id, 'enduser.role': user.role });
    await next();
  };
}
