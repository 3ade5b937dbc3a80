// Runs once per `npm test`: finds or starts Postgres and Redis, then migrates a template database that
// every test clones (graphile-worker style), so each test owns a fresh, migrated database in ~50 ms.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import postgres from 'postgres';
import type { TestProject } from 'vitest/node';
import { migrate, migrationsFolder } from '../packages/db/src/index.ts';
import { type Stoppable, startEmbeddedPostgres, startRedisServer } from '../scripts/infra.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    pgAdminUrl: string;
    templateDb: string;
    redisUrl: string;
  }
}

function withDatabase(url: string, db: string): string {
  const u = new URL(url);
  u.pathname = `/${db}`;
  return u.toString();
}

export default async function setup(project: TestProject) {
  const stops: Stoppable[] = [];
  let pgUrl = process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL;
  if (!pgUrl) {
    const pg = await startEmbeddedPostgres('test-pg', 54329);
    stops.push(pg);
    pgUrl = pg.url;
  }
  let redisUrl = process.env.TEST_REDIS_URL ?? process.env.REDIS_URL;
  if (!redisUrl) {
    const r = await startRedisServer('test-redis', 63790);
    stops.push(r);
    redisUrl = r.url;
  }
  const hash = createHash('sha256');
  for (const f of readdirSync(migrationsFolder)
    .filter((f) => f.endsWith('.sql'))
    .sort()) {
    hash.update(readFileSync(join(migrationsFolder, f)));
  }
  const templateDb = `slipway_tpl_${hash.digest('hex').slice(0, 12)}`;
  const admin = postgres(pgUrl, { max: 1, onnotice: () => {} });
  try {
    await admin`select pg_advisory_lock(7150002)`;
    const exists = await admin`select 1 from pg_database where datname = ${templateDb}`;
    if (exists.length === 0) {
      await admin.unsafe(`create database ${templateDb}`);
      await migrate(withDatabase(pgUrl, templateDb));
    }
    await admin`select pg_advisory_unlock(7150002)`;
  } finally {
    await admin.end();
  }
  project.provide('pgAdminUrl', pgUrl);
  project.provide('templateDb', templateDb);
  project.provide('redisUrl', redisUrl);
  return async () => {
    for (const s of stops.reverse()) await s.stop();
  };
}
