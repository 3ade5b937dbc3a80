import { describe, expect, it } from 'vitest';
import { clusterLocator, hasHashTag, parseRedisLocator, redisClusterNodesSetting } from './redis.ts';

describe('Redis locators', () => {
  it('REDIS_CLUSTER_NODES: host:port pairs, comma-separated, nothing else', () => {
    expect(redisClusterNodesSetting.parse('r-0:6379,r-1:6380')).toBe('r-0:6379,r-1:6380');
    for (const bad of ['r-0', 'r-0:6379,', 'r-0:6379, r-1:6379', 'r-0:abc', ''])
      expect(redisClusterNodesSetting.safeParse(bad).success, bad).toBe(false);
  });

  it('one server', () => {
    expect(parseRedisLocator('redis://:pw@h:6380/2')).toEqual({
      kind: 'standalone',
      url: 'redis://:pw@h:6380/2',
    });
    expect(parseRedisLocator('rediss://h').kind).toBe('standalone');
  });

  it('a Sentinel set, hosts before the path or in ?sentinels=', () => {
    expect(parseRedisLocator('redis+sentinel://:s3cret@s1:26379,s2:26380/mymaster/3')).toEqual({
      kind: 'sentinel',
      name: 'mymaster',
      sentinels: [
        { host: 's1', port: 26379 },
        { host: 's2', port: 26380 },
      ],
      options: { password: 's3cret', db: 3, sentinelPassword: 's3cret' },
    });
    const t = parseRedisLocator(
      'redis+sentinel://app:p%40ss@s1/main?sentinels=s2:1,s3:2&sentinelPassword=x&tls=true',
    );
    expect(t).toMatchObject({
      kind: 'sentinel',
      name: 'main',
      sentinels: [
        { host: 's1', port: 26379 },
        { host: 's2', port: 1 },
        { host: 's3', port: 2 },
      ],
      options: {
        username: 'app',
        password: 'p@ss',
        sentinelPassword: 'x',
        tls: {},
        enableTLSForSentinelMode: true,
      },
    });
    expect(() => parseRedisLocator('redis+sentinel://s1:26379')).toThrow(/master name/);
  });

  it('a Cluster, from REDIS_URL + REDIS_CLUSTER_NODES', () => {
    const l = clusterLocator('rediss://:pw@ignored:6379', 'a:7000, b:7001,c:7002');
    expect(l).toBe('redis+cluster://:pw@a:7000?nodes=b:7001,c:7002&tls=true');
    expect(parseRedisLocator(l)).toEqual({
      kind: 'cluster',
      nodes: [
        { host: 'a', port: 7000 },
        { host: 'b', port: 7001 },
        { host: 'c', port: 7002 },
      ],
      options: { password: 'pw', tls: {} },
    });
    expect(clusterLocator('redis://h:1', undefined)).toBe('redis://h:1');
    expect(() => clusterLocator('redis://h:1', 'a:notaport')).toThrow(/bad Redis node/);
    expect(() => parseRedisLocator('http://x')).toThrow(/must start with/);
  });

  it('hash tags', () => {
    expect(hasHashTag('{slipway}')).toBe(true);
    expect(hasHashTag('pre{x}post')).toBe(true);
    expect(hasHashTag('slipway')).toBe(false);
    expect(hasHashTag('{}')).toBe(false);
  });
});
