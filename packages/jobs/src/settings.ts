import { z } from 'zod';

// Environment settings the API (which queues jobs) and the worker (which runs them) both read,
// parsed by one schema each so the two processes cannot disagree on what a value means. Redis's
// (REDIS_CLUSTER_NODES) is in redis.ts, with the locators that read it.

/** A comma-separated list: items trimmed, empty ones dropped. */
export const commaList = (v: string): string[] =>
  v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

/**
 * GIT_ALLOWED_HOSTS: git hosts an image build may clone from although they are loopback, private,
 * link-local or metadata addresses (comma-separated names or addresses; default none). The API
 * refuses other such literal hosts with a 422, the worker any host that resolves to one (both with
 * `gitHostIssue` of @slipway/contract/build-source, given this list).
 */
export const gitAllowedHostsSetting = z.string().default('').transform(commaList);
