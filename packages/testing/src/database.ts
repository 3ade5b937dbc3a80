import { randomBytes } from 'node:crypto';
import { createDb, type DbHandle } from '@slipway/db';
import postgres from 'postgres';
import { inject } from 'vitest';

export function withDatabase(url: string, db: string): string {
  const u = new URL(url);
  u.pathname = `/${db}`;
  return u.toString();
}

export type TestDatabase = DbHandle & { url: string; name: string; drop: () => Promise<void> };

/** A fresh database cloned from the migrated template; `drop()` closes and removes it. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const adminUrl = inject('pgAdminUrl');
  const template = inject('templateDb');
  const name = `t_${randomBytes(6).toString('hex')}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  // CREATE DATABASE ... TEMPLATE fails if another session is connected to the template; retry briefly.
  for (let i = 0; ; i++) {
    try {
      await admin.unsafe(`create database ${name} template ${template}`);
      break;
    } catch (e) {
      if (i > 50) throw e;
      await new Promise((r) => setTimeout(r, 100 + Math.random() * 100));
    }
  }
  await admin.end();
  const url = withDatabase(adminUrl, name);
  const handle = createDb({ url, max: 5 });
  return {
    ...handle,
    url,
    name,
    drop: async () => {
      await handle.close();
      const a = postgres(adminUrl, { max: 1, onnotice: () => {} });
      await a.unsafe(`drop database if exists ${name} with (force)`);
      await a.end();
    },
  };
}

/** A unique BullMQ prefix so parallel tests never see each other's jobs. */
export function testPrefix(): string {
  return `t${randomBytes(5).toString('hex')}`;
}

export function testRedisUrl(): string {
  return inject('redisUrl');
}
