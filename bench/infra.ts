// The bench's private resources: one migrated database (the template), clones of it per phase, and one
// Redis key prefix. Everything made here is recorded so cleanup() can remove it even after a failure.
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { loadConfig, type RunningApi, startApi } from '@slipway/api';
import { type CoreDeps, createImage, ensureAdmin, silentLogger } from '@slipway/core';
import { createDb, migrate } from '@slipway/db';
import { createProducer } from '@slipway/jobs';
import { Redis } from 'ioredis';
import postgres from 'postgres';

export function withDatabase(url: string, db: string): string {
  const u = new URL(url);
  u.pathname = `/${db}`;
  return u.toString();
}

export function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => ok(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

export type BenchInfra = {
  /** `bench_<random>`: the migrated database, also the template of every clone. */
  name: string;
  /** Its URL (nothing stays connected to it, or it could not be cloned). */
  url: string;
  /** Redis key prefix root; each phase uses `${prefix}_<phase>` so phases never see each other's jobs. */
  prefix: string;
  redisUrl: string;
  /** A fresh database cloned from the migrated template (CREATE DATABASE ... TEMPLATE: ~100 ms, not a migration). */
  clone(suffix: string): Promise<string>;
  /** Drops every database made here and deletes every Redis key under the prefix. Never throws. */
  cleanup(): Promise<string[]>;
};

export async function createInfra(adminUrl: string, redisUrl: string): Promise<BenchInfra> {
  const id = randomBytes(5).toString('hex');
  const name = `bench_${id}`;
  const prefix = `bench_${id}`;
  const made: string[] = [];
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`create database ${name}`);
    made.push(name);
  } finally {
    await admin.end();
  }
  const url = withDatabase(adminUrl, name);
  await migrate(url);

  return {
    name,
    url,
    prefix,
    redisUrl,
    async clone(suffix) {
      const clone = `${name}_${suffix}`;
      const a = postgres(adminUrl, { max: 1, onnotice: () => {} });
      try {
        await a.unsafe(`create database ${clone} template ${name}`);
        made.push(clone);
      } finally {
        await a.end();
      }
      return withDatabase(adminUrl, clone);
    },
    async cleanup() {
      const problems: string[] = [];
      const a = postgres(adminUrl, { max: 1, onnotice: () => {}, connect_timeout: 5 });
      // Newest first: clones, then the template they were made from.
      for (const db of [...made].reverse()) {
        try {
          await a.unsafe(`drop database if exists ${db} with (force)`);
        } catch (e) {
          problems.push(`drop ${db}: ${(e as Error).message}`);
        }
      }
      await a.end({ timeout: 5 }).catch(() => {});
      const r = new Redis(redisUrl, { maxRetriesPerRequest: 1, lazyConnect: true });
      r.on('error', () => {});
      try {
        await r.connect();
        // SCAN + UNLINK in pages: never KEYS on a shared Redis. `_` in the pattern is literal in Redis globs.
        let cursor = '0';
        do {
          const [next, keys] = await r.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
          cursor = next;
          if (keys.length) await r.unlink(...keys);
        } while (cursor !== '0');
      } catch (e) {
        problems.push(`redis cleanup: ${(e as Error).message}`);
      } finally {
        r.disconnect();
      }
      return problems;
    },
  };
}

/**
 * The real API in this process on a free port (sandbox driver, silent logs, a fresh JWT secret and
 * admin password), as the HTTP, SSE and console phases run it.
 */
export async function startBenchApi(o: {
  databaseUrl: string;
  redisUrl: string;
  prefix: string;
  adminEmail?: string;
}): Promise<{ api: RunningApi; base: string; admin: { email: string; password: string } }> {
  const port = await freePort();
  const admin = { email: o.adminEmail ?? 'admin@bench.local', password: randomBytes(12).toString('hex') };
  const api = await startApi(
    loadConfig({
      DATABASE_URL: o.databaseUrl,
      REDIS_URL: o.redisUrl,
      PORT: String(port),
      JWT_SECRET: randomBytes(32).toString('hex'),
      ADMIN_EMAIL: admin.email,
      ADMIN_PASSWORD: admin.password,
      DRIVER: 'sandbox',
      LOG_LEVEL: 'silent',
      QUEUE_PREFIX: o.prefix,
      API_SHUTDOWN_GRACE_MS: '2000',
    }),
  );
  return { api, base: `http://127.0.0.1:${port}`, admin };
}

/**
 * Core on the sandbox drivers over `dbUrl` and the queue `prefix`, with the bench's owner (an admin):
 * what the bench uses to make operations through the API's own create path without an API process.
 */
export async function benchCore(o: { dbUrl: string; redisUrl: string; prefix: string; max: number }) {
  const db = createDb({ url: o.dbUrl, max: o.max });
  const producer = createProducer({ redisUrl: o.redisUrl, prefix: o.prefix });
  const close = async () => {
    await producer.close().catch(() => {});
    await db.close().catch(() => {});
  };
  try {
    await producer.ready(5000);
    const deps: CoreDeps = {
      db: db.db,
      producer,
      driver: { images: 'sandbox', clusters: 'sandbox', workloads: 'sandbox', charts: 'sandbox' },
      log: silentLogger,
    };
    const owner = await ensureAdmin(deps, 'owner@bench.local', 'bench-owner-password');
    const actor = { id: owner.id, role: owner.role };
    return {
      deps,
      /** One image build operation named `name` (queued on the prefix's queue). */
      createImage: (name: string) =>
        createImage(deps, actor, { name, tag: 'v1', repository: 'bench.local/app' }),
      close,
    };
  } catch (e) {
    await close();
    throw e;
  }
}
