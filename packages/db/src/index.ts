export { afterCommit } from './after-commit.ts';
export * from './client.ts';
export { migrate, migrationsApplied, migrationsFolder } from './migrate.ts';
export * from './schema/index.ts';
