import { drizzle } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import { trackCommits } from './after-commit.ts';
import * as schema from './schema/index.ts';

export type DbOptions = {
  url: string;
  /** Pool size per process. */
  max?: number;
  /** Statement timeout so a stalled Postgres never hangs a request forever. */
  statementTimeoutMs?: number;
  /** Connect timeout in seconds; small so the API can answer 503 quickly when Postgres is gone. */
  connectTimeoutSec?: number;
  /** Called with each SQL statement drizzle runs (database tracing hooks in here). */
  onQuery?: (statement: string) => void;
};

export function createDb(opts: DbOptions) {
  const sql = postgres(opts.url, {
    max: opts.max ?? 10,
    // max_pipeline stays at postgres.js's default. `max_pipeline: 1` (suggested against the slow pool
    // after a burst, porsager/postgres#747) makes postgres.js 3.4.9 reject transactions with
    // UNSAFE_TRANSACTION under concurrency (porsager/postgres#1189, #823): bench/ measured 15-30% of
    // transactions rejected with it and no lasting slowdown without it on this machine.
    connect_timeout: opts.connectTimeoutSec ?? 5,
    idle_timeout: 30,
    onnotice: () => {},
    connection: { statement_timeout: opts.statementTimeoutMs ?? 15_000, application_name: 'slipway' },
  } as postgres.Options<Record<string, postgres.PostgresType>>);
  const onQuery = opts.onQuery;
  const db = drizzle(sql, {
    schema,
    ...(onQuery ? { logger: { logQuery: (q: string) => onQuery(q) } } : {}),
  });
  // `afterCommit(tx, fn)` (after-commit.ts) runs fn once the transaction tx belongs to has committed.
  trackCommits(db, sql);
  return { db, sql, close: () => sql.end({ timeout: 5 }) };
}

export type Db = ReturnType<typeof createDb>['db'];
export type Sql = ReturnType<typeof createDb>['sql'];
export type DbHandle = ReturnType<typeof createDb>;
/** A drizzle transaction or the db itself: verbs accept either so callers can compose them. */
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0] | Db;
