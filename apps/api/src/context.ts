import type { Actor, CoreDeps, Logger } from '@slipway/core';
import type { HttpMetrics } from '@slipway/telemetry';
import type { Redis } from 'ioredis';
import type { Config } from './config.ts';

/** What GET /api/system/drivers reports per driver (structurally @slipway/drivers' DriverReport). */
export type DriverReport = {
  family: 'images' | 'clusters' | 'workloads' | 'charts';
  kind: string;
  reachable: boolean;
  version?: string | undefined;
  detail?: string | undefined;
  /** True where DRIVER=auto chose this adapter. */
  picked: boolean;
};

export type RateLimits = { standard: number; premium: number; admin: number };

/** Everything the HTTP edge needs, built by main.ts (or test-helpers.ts). */
export type AppDeps = {
  core: CoreDeps;
  /** postgres.js client of core.db: readiness (select 1, migrations applied). */
  sql: import('@slipway/db').Sql;
  /** Shared rate-limit counters; usually the producer's connection (fail-fast, no offline queue). */
  redis: Redis;
  /**
   * The per-request rate-limit script's connection, if not `redis`: main.ts gives it one with
   * ioredis auto-pipelining, so the checks of concurrent requests share one write and one read.
   */
  rateLimitRedis?: Redis;
  config: Pick<Config, 'JWT_SECRET' | 'DRIVER' | 'QUEUE_PREFIX' | 'AI_SYNC_TIMEOUT_MS' | 'TRUST_PROXY'> &
    Partial<Pick<Config, 'GIT_ALLOWED_HOSTS'>>;
  metrics: HttpMetrics;
  log?: Logger;
  driversReport?: () => Promise<DriverReport[]>;
  /** Per-minute limits by tier (admins: `admin`); the contract's 100/500/1000 by default. */
  rateLimits?: RateLimits;
  /** How long an authenticated user row is cached (ms); 0 reloads it on every request. */
  userCacheMs?: number;
  /** Body size limits in bytes (default 1 MiB; chart content 5 MiB). */
  bodyLimitBytes?: number;
  chartBodyLimitBytes?: number;
};

export type AuthUser = {
  id: string;
  email: string;
  role: Actor['role'];
  tier: 'standard' | 'premium';
};

export type AppEnv = {
  Variables: {
    requestId: string;
    user: AuthUser | undefined;
    actor: Actor;
    /** Route label for logs/metrics/spans, e.g. "/api/deployments/:id". */
    route: string;
    /** Set by handlers that know which resource the request touched (audit). */
    resourceId: string | undefined;
    /** Set by the login route so the audit row names who logged in. */
    auditUserId: string | undefined;
  };
};

export type ApiApp = import('@hono/zod-openapi').OpenAPIHono<AppEnv>;
