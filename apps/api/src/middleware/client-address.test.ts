import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config.ts';
import { trustList } from './rate-limit.ts';

const env = {
  DATABASE_URL: 'postgres://x@localhost/db',
  REDIS_URL: 'redis://localhost:6379',
  JWT_SECRET: 's'.repeat(32),
  ADMIN_EMAIL: 'admin@example.com',
  ADMIN_PASSWORD: 'long-enough',
};

describe('TRUST_PROXY', () => {
  it('takes a list of proxy addresses, subnets and names', () => {
    expect(loadConfig({ ...env, TRUST_PROXY: '10.0.0.1, 192.168.0.0/16,loopback' }).TRUST_PROXY).toEqual([
      '10.0.0.1',
      '192.168.0.0/16',
      'loopback',
    ]);
    expect(loadConfig({ ...env, TRUST_PROXY: 'false' }).TRUST_PROXY).toBe(false);
    expect(loadConfig(env).TRUST_PROXY).toBe(false);
  });

  it('true means proxies on loopback and private networks, never "believe the leftmost entry"', () => {
    expect(trustList(loadConfig({ ...env, TRUST_PROXY: 'true' }).TRUST_PROXY)).toEqual([
      'loopback',
      'linklocal',
      'uniquelocal',
    ]);
  });

  it('refuses what is not an address', () => {
    expect(() => loadConfig({ ...env, TRUST_PROXY: '10.0.0.1,not-an-address' })).toThrow(/TRUST_PROXY/);
  });
});
