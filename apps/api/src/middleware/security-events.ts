import { type CoreDeps, type Logger, pruneSecurityEvents, recordSecurityEvent } from '@slipway/core';
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../context.ts';
import { clientAddress, type TrustProxy } from './client-address.ts';
import { trustList } from './rate-limit.ts';

export type SecurityEventOptions = {
  core: CoreDeps;
  log: Logger;
  /** Registers the background write so shutdown (and tests) can wait for it. */
  track: (p: Promise<unknown>) => void;
  trustProxy: TrustProxy | boolean;
  /** New rows this process may write per minute; past it, refusals are only counted. */
  maxPerMinute?: number;
  /** Rows last seen longer ago than this are dropped (checked every 500 writes). */
  retentionDays?: number;
};

const KINDS: Partial<Record<number, string>> = { 401: 'unauthorized', 403: 'forbidden', 429: 'rate_limited' };

/**
 * 401, 403 and 429 answers become security events (kind, user, client address, route), written in
 * the background so a flood of refusals costs the flood nothing extra. Bounded three ways: the same
 * source, kind and route within a minute is one row with a count (core's recordSecurityEvent); a
 * process writes at most `maxPerMinute` a minute and counts the rest in one
 * `security_events_suppressed` row a minute; rows older than `retentionDays` are pruned.
 */
export function securityEvents(opts: SecurityEventOptions): MiddlewareHandler<AppEnv> {
  const max = opts.maxPerMinute ?? 120;
  const retentionDays = opts.retentionDays ?? 30;
  const addressOf = clientAddress(trustList(opts.trustProxy));
  let minute = 0;
  let written = 0;
  let suppressed = 0;
  let flushing: NodeJS.Timeout | null = null;
  let total = 0;
  const write = (p: Promise<unknown>) =>
    opts.track(p.catch((err: unknown) => opts.log.warn({ err }, 'security event write failed')));
  // What the cap skipped is still counted: one summary row a minute, written a second after the first skip.
  const flush = () => {
    flushing = null;
    const count = suppressed;
    suppressed = 0;
    if (count > 0) write(recordSecurityEvent(opts.core.db, { kind: 'security_events_suppressed', count }));
  };
  return async function recordRefusals(c, next) {
    await next();
    const kind = KINDS[c.res.status];
    if (!kind) return;
    const now = Math.floor(Date.now() / 60_000);
    if (now !== minute) {
      minute = now;
      written = 0;
    }
    if (written >= max) {
      suppressed++;
      flushing ??= setTimeout(flush, 1000);
      flushing.unref();
      return;
    }
    written++;
    total++;
    write(
      recordSecurityEvent(opts.core.db, {
        kind,
        userId: c.get('user')?.id ?? null,
        address: addressOf(c),
        path: c.get('route') ?? 'unmatched',
        detail: { method: c.req.method, status: c.res.status },
      }),
    );
    if (total % 500 === 0) write(pruneSecurityEvents(opts.core.db, retentionDays));
  };
}
