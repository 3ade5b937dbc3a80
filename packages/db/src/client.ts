import { drizzle } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
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
    // porsager/postgres#747: after a burst larger than the pool, pipelining leaves the pool slower;
    // one query per connection at a time keeps latency flat (see bench/).
    max_pipeline: 1,
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
  return { db, sql, close: () => sql.end({ timeout: 5 }) };
}

export type Db = ReturnType<typeof createDb>['db'];
export type Sql = ReturnType<typeof createDb>['sql'];
export type DbHandle = ReturnType<typeof createDb>;
/** A drizzle transaction or the db itself: verbs accept either so callers can compose them. */
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0] | Db;
