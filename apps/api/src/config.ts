import {
  clusterLocator,
  commaList,
  gitAllowedHostsSetting,
  hasHashTag,
  isClusterLocator,
  redisClusterNodesSetting,
} from '@slipway/jobs';
import { otelEnvShape } from '@slipway/telemetry';
import proxyaddr from 'proxy-addr';
import { z } from 'zod';

// The API's whole configuration, parsed once by main.ts from the environment and passed down as a
// plain object: nothing else reads process.env, so tests build a Config directly (see test-helpers.ts).

export const Config = z.object({
  /** Postgres connection string (the source of truth). */
  DATABASE_URL: z.url(),
  /** Redis for the BullMQ producer and the shared rate-limit counters. */
  REDIS_URL: z.url(),
  /** HTTP port. */
  PORT: z.coerce.number().int().min(1).max(65_535).default(3000),
  /** HS256 key for access tokens; 32+ characters so it cannot be brute-forced offline. */
  JWT_SECRET: z.string().min(32, 'must be at least 32 characters'),
  /** The first admin, created on start when missing (never updated afterwards). */
  ADMIN_EMAIL: z.email(),
  ADMIN_PASSWORD: z.string().min(8, 'must be at least 8 characters'),
  /** Which drivers the workers use; the API only records it on new resources and shows it. */
  DRIVER: z.enum(['sandbox', 'real', 'auto']).default('auto'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** BullMQ key prefix; also prefixes rate-limit keys so several installs can share one Redis. */
  QUEUE_PREFIX: z.string().min(1).default('slipway'),
  /** How long POST /api/ai/debug and /analyze wait for the worker before answering 202. */
  AI_SYNC_TIMEOUT_MS: z.coerce.number().int().min(0).max(300_000).default(20_000),
  /**
   * Git hosts an image build may clone from although they are loopback, private, link-local or
   * metadata addresses (comma-separated names or addresses; default none). The API refuses other such
   * literal hosts with a 422, the worker any host that resolves to one.
   */
  GIT_ALLOWED_HOSTS: gitAllowedHostsSetting,
  /**
   * The proxies in front of the API, whose X-Forwarded-For is believed: a comma-separated list of
   * addresses, CIDR subnets or proxy-addr names (loopback, linklocal, uniquelocal); `true` means
   * loopback + private networks, `false` none. The client is the rightmost hop not in the list.
   */
  TRUST_PROXY: z
    .string()
    .transform((v, ctx): boolean | string[] => {
      const t = v.trim().toLowerCase();
      if (['true', '1', 'yes'].includes(t)) return true;
      if (['false', '0', 'no'].includes(t)) return false;
      const list = commaList(v);
      try {
        proxyaddr.compile(list);
      } catch {
        ctx.addIssue({ code: 'custom', message: 'must be true, false or a list of addresses/subnets' });
        return z.NEVER;
      }
      return list;
    })
    .default(false),
  /** SIGTERM: how long in-flight requests may take to finish before connections are cut. */
  API_SHUTDOWN_GRACE_MS: z.coerce.number().int().min(0).max(600_000).default(10_000),
  /** OTEL_EXPORTER_OTLP_*, OTEL_SERVICE_NAME (default slipway-api), OTEL_TRACES_SAMPLER*, OTEL_BSP_*. */
  ...otelEnvShape,
  /**
   * Redis Cluster seed nodes, `host:port,host:port,...`. REDIS_URL then only carries the credentials
   * and the scheme (rediss:// for TLS); QUEUE_PREFIX must carry a hash tag such as `{slipway}`.
   */
  REDIS_CLUSTER_NODES: redisClusterNodesSetting.optional(),
});
export type Config = z.infer<typeof Config>;

export class ConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/** Parses the environment; throws a ConfigError naming every bad or missing variable (never its value). */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  // Empty strings count as unset so `FOO=` in a .env file falls back to the default.
  const clean = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const r = Config.safeParse(clean);
  if (r.success) return withRedisTopology(r.data, (problems) => new ConfigError(problems));
  const problems = r.error.issues.map((i) => {
    const name = i.path.join('.') || '(env)';
    return clean[name] === undefined ? `${name}: required` : `${name}: ${i.message}`;
  });
  throw new ConfigError(problems);
}

/**
 * The driver names new resources are recorded against. The API cannot see which adapters the
 * workers picked (it may not import @slipway/drivers), so `auto` is recorded as such.
 */
export function recordedDrivers(driver: Config['DRIVER']): {
  images: string;
  clusters: string;
  workloads: string;
  charts: string;
} {
  if (driver === 'real')
    return { images: 'docker', clusters: 'minikube', workloads: 'kubernetes', charts: 'helm' };
  return { images: driver, clusters: driver, workloads: driver, charts: driver };
}

/**
 * REDIS_CLUSTER_NODES folds into REDIS_URL (a `redis+cluster://` locator, see @slipway/jobs redis.ts),
 * so every Redis client of the process reaches the cluster; on a cluster the queue prefix must carry a
 * hash tag, or BullMQ's multi-key scripts fail with CROSSSLOT.
 */
export function withRedisTopology<
  T extends { REDIS_URL: string; REDIS_CLUSTER_NODES?: string | undefined; QUEUE_PREFIX: string },
>(config: T, fail: (problems: string[]) => Error): T {
  const url = clusterLocator(config.REDIS_URL, config.REDIS_CLUSTER_NODES);
  if (isClusterLocator(url) && !hasHashTag(config.QUEUE_PREFIX))
    throw fail([`QUEUE_PREFIX: must carry a hash tag on a Redis Cluster, e.g. {${config.QUEUE_PREFIX}}`]);
  return { ...config, REDIS_URL: url };
}
