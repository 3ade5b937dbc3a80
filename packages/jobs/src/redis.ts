import { Cluster, type ClusterOptions, Redis, type RedisOptions } from 'ioredis';
import { z } from 'zod';

/**
 * Where Redis is, as one string (so every caller that takes a REDIS_URL can reach any topology):
 *
 * - `redis://[user:password@]host:port[/db]`, `rediss://...` (TLS): one server.
 * - `redis+sentinel://[user:password@]sentinel:26379[,sentinel2:26379...]/masterName[/db]` or with the
 *   other sentinels as `?sentinels=host:port,host:port`: a Sentinel set; the password is the master's
 *   (and the sentinels' unless `sentinelPassword=` is given); `tls=true` for TLS.
 * - `redis+cluster://[user:password@]seed:port[?nodes=host:port,host:port][&tls=true]`: a Redis Cluster.
 *   `clusterLocator(REDIS_URL, REDIS_CLUSTER_NODES)` builds one from the two variables.
 *
 * On a Cluster every key a BullMQ script touches must share a slot: the queue prefix must carry a hash
 * tag (`{slipway}`), see `hasHashTag`.
 */
export type RedisTopology =
  | { kind: 'standalone'; url: string }
  | {
      kind: 'sentinel';
      name: string;
      sentinels: { host: string; port: number }[];
      options: RedisOptions;
    }
  | { kind: 'cluster'; nodes: { host: string; port: number }[]; options: RedisOptions };

function hostPorts(list: string, defaultPort: number): { host: string; port: number }[] {
  return list
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((hp) => {
      const i = hp.lastIndexOf(':');
      const host = i > 0 ? hp.slice(0, i) : hp;
      const port = i > 0 ? Number(hp.slice(i + 1)) : defaultPort;
      if (!host || !Number.isInteger(port) || port < 1 || port > 65_535)
        throw new Error(`bad Redis node "${hp}"`);
      return { host: host.replace(/^\[|\]$/g, ''), port };
    });
}

/** Parses a Redis locator (see RedisTopology). Throws naming what is wrong, never echoing a password. */
export function parseRedisLocator(locator: string): RedisTopology {
  const scheme = /^([a-z+]+):\/\//i.exec(locator)?.[1]?.toLowerCase();
  if (scheme === 'redis' || scheme === 'rediss') return { kind: 'standalone', url: locator };
  if (scheme !== 'redis+sentinel' && scheme !== 'redis+cluster')
    throw new Error('Redis URL must start with redis://, rediss://, redis+sentinel:// or redis+cluster://');
  // Several hosts before the path are not a valid URL: split them off by hand.
  const rest = locator.slice(scheme.length + 3);
  const slash = rest.search(/[/?]/);
  const authority = slash === -1 ? rest : rest.slice(0, slash);
  const at = authority.lastIndexOf('@');
  const auth = at >= 0 ? authority.slice(0, at) : '';
  const hostsPart = authority.slice(at + 1);
  const u = new URL(`x://h${slash === -1 ? '' : rest.slice(slash)}`);
  const [user = '', pass = ''] = auth ? auth.split(':').map(decodeURIComponent) : [];
  const q = u.searchParams;
  const tls = q.get('tls') === 'true' || q.get('tls') === '1';
  const options: RedisOptions = {
    ...(user ? { username: user } : {}),
    ...(pass ? { password: pass } : {}),
    ...(tls ? { tls: {} } : {}),
  };
  if (scheme === 'redis+cluster') {
    const nodes = hostPorts([hostsPart, q.get('nodes') ?? ''].filter(Boolean).join(','), 6379);
    if (nodes.length === 0) throw new Error('redis+cluster:// needs at least one node');
    return { kind: 'cluster', nodes, options };
  }
  const sentinels = hostPorts([hostsPart, q.get('sentinels') ?? ''].filter(Boolean).join(','), 26379);
  const [name = '', db] = u.pathname.split('/').filter(Boolean);
  if (!name)
    throw new Error(
      'redis+sentinel:// needs the master name as its path (redis+sentinel://host:26379/mymaster)',
    );
  if (sentinels.length === 0) throw new Error('redis+sentinel:// needs at least one sentinel');
  const sentinelPassword = q.get('sentinelPassword') ?? (pass || undefined);
  return {
    kind: 'sentinel',
    name,
    sentinels,
    options: {
      ...options,
      ...(db ? { db: Number(db) } : {}),
      ...(sentinelPassword ? { sentinelPassword } : {}),
      ...(tls ? { sentinelTLS: {}, enableTLSForSentinelMode: true } : {}),
    },
  };
}

/**
 * REDIS_CLUSTER_NODES, as the API and the worker read it: Redis Cluster seed nodes
 * `host:port,host:port,...`; REDIS_URL then carries only the credentials and the scheme.
 */
export const redisClusterNodesSetting = z
  .string()
  .regex(/^[^,:\s]+:\d{1,5}(,[^,:\s]+:\d{1,5})*$/, 'must be host:port,host:port,...');

/**
 * REDIS_URL + REDIS_CLUSTER_NODES as one locator: the URL keeps the credentials and the scheme
 * (`rediss` = TLS), the nodes become the cluster's seeds.
 */
export function clusterLocator(redisUrl: string, clusterNodes: string | undefined): string {
  if (!clusterNodes) return redisUrl;
  const u = new URL(redisUrl);
  const auth = u.username || u.password ? `${u.username}:${u.password}@` : '';
  const tls = u.protocol === 'rediss:' ? '&tls=true' : '';
  const nodes = hostPorts(clusterNodes, 6379).map((n) => `${n.host}:${n.port}`);
  return `redis+cluster://${auth}${nodes[0]}?nodes=${nodes.slice(1).join(',')}${tls}`;
}

/** True when `prefix` holds a Redis Cluster hash tag (`{...}` with something inside). */
export function hasHashTag(prefix: string): boolean {
  return /\{[^}]+\}/.test(prefix);
}

export function isClusterLocator(locator: string): boolean {
  return /^redis\+cluster:\/\//i.test(locator);
}

type Scan = (cursor: string | number, ...args: (string | number)[]) => Promise<[string, string[]]>;

/**
 * A Cluster client with SCAN over every master (ioredis sends a keyless SCAN to one random node).
 * The cursor is `<master index>-<that node's cursor>`, and `0` when every master is done, so callers
 * loop exactly as on one server.
 */
function clusterClient(nodes: { host: string; port: number }[], opts: ClusterOptions): Cluster {
  const cluster = new Cluster(nodes, opts);
  const scan: Scan = async (cursor, ...args) => {
    const masters = cluster
      .nodes('master')
      .sort((a, b) =>
        `${a.options.host}:${a.options.port}`.localeCompare(`${b.options.host}:${b.options.port}`),
      );
    const [i0, c0] = String(cursor) === '0' ? [0, '0'] : String(cursor).split('-');
    let index = Number(i0);
    let nodeCursor = c0 ?? '0';
    for (; index < masters.length; index++, nodeCursor = '0') {
      const master = masters[index];
      if (!master) break;
      const [next, keys] = await (master.scan as unknown as Scan).call(master, nodeCursor, ...args);
      if (next !== '0') return [`${index}-${next}`, keys];
      if (index === masters.length - 1) return ['0', keys];
      if (keys.length) return [`${index + 1}-0`, keys];
    }
    return ['0', []];
  };
  (cluster as unknown as { scan: Scan }).scan = scan;
  return cluster;
}

/**
 * A client for `locator` (see RedisTopology). A Cluster client is returned typed as `Redis`: it
 * answers the same commands (with SCAN made cluster-wide), which is all BullMQ, the rate limiters and
 * pub/sub use.
 */
export function connectRedis(
  locator: string,
  common: RedisOptions & { enableOfflineQueue?: boolean },
  clusterExtra: Partial<ClusterOptions> = {},
): Redis {
  const t = parseRedisLocator(locator);
  if (t.kind === 'standalone') return new Redis(t.url, common);
  if (t.kind === 'sentinel')
    return new Redis({ ...common, ...t.options, sentinels: t.sentinels, name: t.name });
  const { enableOfflineQueue, retryStrategy, ...redisOptions } = common;
  return clusterClient(t.nodes, {
    ...(enableOfflineQueue === undefined ? {} : { enableOfflineQueue }),
    ...(retryStrategy ? { clusterRetryStrategy: (times: number) => retryStrategy(times) ?? null } : {}),
    redisOptions: { ...redisOptions, ...t.options },
    ...clusterExtra,
  }) as unknown as Redis;
}

/**
 * Resolves once `redis` (a client or a Cluster) is ready, connecting it if it waits for a first
 * command; fails after `timeoutMs`. With no offline queue a command sent before that is refused
 * ("Cluster isn't ready"), so whatever serves requests waits for its connections first.
 */
export function redisReady(redis: Redis, timeoutMs = 2000): Promise<void> {
  if (redis.status === 'ready') return Promise.resolve();
  if (redis.status === 'wait') redis.connect().catch(() => {});
  return new Promise((ok, fail) => {
    const onReady = () => {
      clearTimeout(timer);
      ok();
    };
    const timer = setTimeout(() => {
      redis.off('ready', onReady);
      fail(new Error(`Connection is closed: Redis not ready after ${timeoutMs} ms (status ${redis.status})`));
    }, timeoutMs);
    redis.once('ready', onReady);
  });
}

/**
 * Producers (API): fail fast. No offline queue, so `queue.add` rejects at once when Redis is down
 * instead of hanging the request; a few retries per command only.
 */
export function producerConnection(url: string, extra: RedisOptions = {}): Redis {
  return connectRedis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2000,
    retryStrategy: (times) => Math.min(times * 200, 2000),
    ...extra,
  });
}

/** Workers: block forever and reconnect forever (BullMQ requires maxRetriesPerRequest: null). */
export function workerConnection(url: string, extra: RedisOptions = {}): Redis {
  return connectRedis(url, {
    maxRetriesPerRequest: null,
    retryStrategy: (times) => Math.min(times * 200, 2000),
    ...extra,
  });
}

/**
 * redis-server flags for a private server that BullMQ can trust: AOF fsynced every second (a crash
 * loses at most ~1 s of accepted jobs) and noeviction (keys are never dropped under memory pressure).
 */
export function durableRedisServerArgs(port: number, dir: string): string[] {
  return [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--dir',
    dir,
    '--save',
    '',
    '--appendonly',
    'yes',
    '--appendfsync',
    'everysec',
    '--maxmemory-policy',
    'noeviction',
  ];
}
