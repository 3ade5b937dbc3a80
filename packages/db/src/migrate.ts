import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { migrate as drizzleMigrate } from 'drizzle-orm/postgres-js/migrator';
import { createDb } from './client.ts';

const here = dirname(fileURLToPath(import.meta.url));
// Source layout (packages/db/src -> ../migrations) or a bundle with migrations copied beside it (dist/migrations).
export const migrationsFolder =
  [join(here, '..', 'migrations'), join(here, 'migrations')].find((d) =>
    existsSync(join(d, 'meta', '_journal.json')),
  ) ?? join(here, '..', 'migrations');

/** Applies committed migrations. Safe to run from several processes at once. */
export async function migrate(url: string): Promise<void> {
  const h = createDb({ url, max: 1 });
  try {
    // Serialise concurrent migrators (API and workers starting at once) on a session advisory lock;
    // max: 1 means the lock and the migration share one connection.
    await h.sql`select pg_advisory_lock(7150001)`;
    await drizzleMigrate(h.db, { migrationsFolder });
    await h.sql`select pg_advisory_unlock(7150001)`;
  } finally {
    await h.close();
  }
}

/** True when every committed migration has been applied (readiness). */
export async function migrationsApplied(sql: import('./client.ts').Sql): Promise<boolean> {
  const { readMigrationFiles } = await import('drizzle-orm/migrator');
  const expected = readMigrationFiles({ migrationsFolder }).length;
  try {
    const rows = await sql`select count(*)::int as n from drizzle.__drizzle_migrations`;
    return (rows[0]?.n ?? 0) >= expected;
  } catch {
    return false;
  }
}
