import { type CoreDeps, DomainError, getUser } from '@slipway/core';
import { annotateSpan } from '@slipway/telemetry';
import type { MiddlewareHandler } from 'hono';
import type { Redis } from 'ioredis';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { AppEnv, AuthUser } from '../context.ts';
import { verifiedSubject, verifyAccessToken } from '../tokens.ts';
import { isUuid } from '../validation.ts';
import { clientAddress, type TrustProxy } from './client-address.ts';
import { tooManyRequests, trustList } from './rate-limit.ts';

export type AuthenticateOptions = {
  core: CoreDeps;
  secret: string;
  /** Paths that need no token (login, refresh). */
  publicPaths: ReadonlySet<string>;
  /** How long a loaded user row is reused; a deleted user's token stops working after this. */
  cacheMs: number;
  /**
   * Where refused tokens are counted per address (with `prefix`): past `invalidPerMinute` refusals
   * in a minute an address gets 429 instead of 401 for a minute, so token guessing is throttled
   * too. Without `redis` nothing is counted.
   */
  redis?: Redis;
  prefix?: string;
  trustProxy?: TrustProxy | boolean;
  invalidPerMinute?: number;
};

export const DEFAULT_INVALID_TOKENS_PER_MINUTE = 60;

const TOKEN_IN_HEADER = /^Bearer\s+([A-Za-z0-9._~+/=-]{1,4096})$/i;

const required = () => new DomainError('unauthorized', 'Authentication required');

/**
 * Bearer JWT -> the user row. The token only proves who is calling; role and tier come from the
 * database (briefly cached), so a demoted or deleted user loses access without waiting for expiry.
 */
export function authenticate(opts: AuthenticateOptions): MiddlewareHandler<AppEnv> {
  const cache = new Map<string, { user: AuthUser | null; until: number }>();
  /** The user loaded in the last cacheMs (null: loaded and not there), or undefined when not cached. */
  const cached = (id: string): AuthUser | null | undefined => {
    const hit = cache.get(id);
    return hit && hit.until > Date.now() ? hit.user : undefined;
  };
  /** The user row, read and cached (the caller has found it not cached). */
  const load = async (id: string): Promise<AuthUser | null> => {
    const now = Date.now();
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

  const addressOf = clientAddress(trustList(opts.trustProxy ?? false));
  const refusals = opts.redis
    ? new RateLimiterRedis({
        storeClient: opts.redis,
        rejectIfRedisNotReady: true,
        keyPrefix: `${opts.prefix ?? 'slipway'}:invalid-token`,
        points: opts.invalidPerMinute ?? DEFAULT_INVALID_TOKENS_PER_MINUTE,
        duration: 60,
        blockDuration: 60,
      })
    : null;
  /** A refused request: counted against its address; 401, or 429 once the address is over. */
  const refuse = async (c: Parameters<MiddlewareHandler<AppEnv>>[0]) => {
    if (!refusals) throw required();
    try {
      await refusals.consume(addressOf(c));
    } catch (e) {
      if (e instanceof RateLimiterRes)
        return tooManyRequests(c, Math.max(1, Math.ceil(e.msBeforeNext / 1000)));
      throw e;
    }
    throw required();
  };

  return async function authenticateRequest(c, next) {
    if (opts.publicPaths.has(c.req.path)) return next();
    const header = c.req.header('Authorization') ?? '';
    // The common case without an await: a token verified before (it matched the pattern below
    // then, as it stands: no whitespace in it to trim) of a user loaded in the last cacheMs.
    let sub = header.startsWith('Bearer ') ? verifiedSubject(opts.secret, header.slice(7)) : undefined;
    if (sub === undefined) {
      const m = TOKEN_IN_HEADER.exec(header.trim());
      if (!m?.[1]) return refuse(c);
      const claims = await verifyAccessToken(opts.secret, m[1]);
      if (!claims) return refuse(c);
      sub = claims.sub;
    }
    if (!isUuid(sub)) return refuse(c);
    let user = cached(sub);
    if (user === undefined) user = await load(sub);
    if (!user) return refuse(c);
    c.set('user', user);
    c.set('actor', { id: user.id, role: user.role });
    annotateSpan({ 'enduser.id': user.id, 'enduser.role': user.role });
    await next();
  };
}
