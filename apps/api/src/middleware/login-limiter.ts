import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';

/**
 * One limiter for every password check (POST /api/auth/login and the /admin/queues Basic auth),
 * after rate-limiter-flexible's login recipe, counted in Redis so every API process shares it:
 *
 * - per address: at most `perAddress` failed attempts an hour, then that address is blocked for
 *   an hour;
 * - per account and address: `consecutive` failures in a row block that pair for an hour;
 * - per account, from anywhere: the `backoffAfter`-th failure in a row locks the account for
 *   `backoffBaseS`, and every further one doubles it (30 s, 60 s, 120 s ... up to `backoffMaxS`), so
 *   distributed guessing slows to a crawl without anyone locking the owner out for long.
 *
 * An attempt is counted *before* the password is checked and given back when it succeeds, so a
 * burst of parallel guesses is cut off after the limit instead of all reaching the KDF.
 */
export type LoginLimits = {
  perAddress: number;
  consecutive: number;
  backoffAfter: number;
  backoffBaseS: number;
  backoffMaxS: number;
};

export const DEFAULT_LOGIN_LIMITS: LoginLimits = {
  perAddress: 100,
  consecutive: 10,
  backoffAfter: 5,
  backoffBaseS: 30,
  backoffMaxS: 15 * 60,
};

export type LoginVerdict = { allowed: true } | { allowed: false; retryAfterS: number };

export type LoginLimiter = {
  /** Reserves an attempt for (address, account); refused while any limit is reached. */
  begin(address: string, account: string): Promise<LoginVerdict>;
  /** The password was right: the reserved attempt is given back and the account's streak cleared. */
  succeeded(address: string, account: string): Promise<void>;
  /** The password was wrong: the attempt stays counted and the account's back-off grows. */
  failed(address: string, account: string): Promise<void>;
  /** The password was never checked (the request was refused for another reason): give it back. */
  release(address: string, account: string): Promise<void>;
};

const HOUR = 3600;
const DAY = 24 * HOUR;

const retryAfter = (ms: number) => Math.max(1, Math.ceil(ms / 1000));
const accountKey = (account: string) =>
  createHash('sha256').update(account.trim().toLowerCase()).digest('hex').slice(0, 32);

export function createLoginLimiter(opts: {
  redis: Redis;
  prefix: string;
  limits?: Partial<LoginLimits>;
}): LoginLimiter {
  const limits = { ...DEFAULT_LOGIN_LIMITS, ...opts.limits };
  // Redis down: refuse at once (the request becomes a 503), never queue or fall back to memory.
  const base = { storeClient: opts.redis, rejectIfRedisNotReady: true };
  const byAddress = new RateLimiterRedis({
    ...base,
    keyPrefix: `${opts.prefix}:login:addr`,
    points: limits.perAddress,
    duration: HOUR,
    blockDuration: HOUR,
  });
  const byAccountAddress = new RateLimiterRedis({
    ...base,
    keyPrefix: `${opts.prefix}:login:acct-addr`,
    points: limits.consecutive,
    duration: DAY,
    blockDuration: HOUR,
  });
  // Failures in a row per account (never refuses by itself) and the back-off lock-out it drives.
  const accountStreak = new RateLimiterRedis({
    ...base,
    keyPrefix: `${opts.prefix}:login:acct-streak`,
    points: 1_000_000,
    duration: DAY,
  });
  const accountLock = new RateLimiterRedis({
    ...base,
    keyPrefix: `${opts.prefix}:login:acct-lock`,
    points: 1,
    duration: 1,
  });
  const pair = (address: string, account: string) => `${accountKey(account)}:${address}`;

  const consume = async (l: RateLimiterRedis, key: string): Promise<number | null> => {
    try {
      await l.consume(key);
      return null;
    } catch (e) {
      if (e instanceof RateLimiterRes) return retryAfter(e.msBeforeNext);
      throw e;
    }
  };

  return {
    async begin(address, account) {
      const lock = await accountLock.get(accountKey(account));
      if (lock && lock.consumedPoints > 1)
        return { allowed: false, retryAfterS: retryAfter(lock.msBeforeNext) };
      const addr = await consume(byAddress, address);
      if (addr !== null) return { allowed: false, retryAfterS: addr };
      const both = await consume(byAccountAddress, pair(address, account));
      if (both !== null) {
        await byAddress.reward(address, 1);
        return { allowed: false, retryAfterS: both };
      }
      return { allowed: true };
    },
    async succeeded(address, account) {
      await Promise.all([
        byAddress.reward(address, 1),
        byAccountAddress.delete(pair(address, account)),
        accountStreak.delete(accountKey(account)),
        accountLock.delete(accountKey(account)),
      ]);
    },
    async release(address, account) {
      await Promise.all([byAddress.reward(address, 1), byAccountAddress.reward(pair(address, account), 1)]);
    },
    async failed(_address, account) {
      const streak = await accountStreak.penalty(accountKey(account), 1);
      const over = streak.consumedPoints - limits.backoffAfter;
      if (over >= 0) {
        await accountLock.block(
          accountKey(account),
          Math.min(limits.backoffBaseS * 2 ** over, limits.backoffMaxS),
        );
      }
    },
  };
}
