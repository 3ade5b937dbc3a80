import { type Db, type Operation, operations } from '@slipway/db';
import { type Column, fillPlaceholders, getTableColumns, type SQL, type Table } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';

// The worker's hot path (claim, fenced writes, settlement) in as few round trips as the guarantees
// allow. Two things cost it most on a busy machine (bench/README.md, worker profile): one socket
// write per statement, and drizzle's unnamed statements, which postgres.js sends as Parse+Describe,
// waits, then Bind+Execute (two writes and a round trip each). Here every statement is a named
// prepared statement (after its first use on a connection only Bind+Execute is sent), and a
// transaction's BEGIN, statements and COMMIT are written together on one reserved connection.

const dialect = new PgDialect();

export type Row = Record<string, unknown>;

/** A statement's text and parameters, ready for postgres.js. */
export type Compiled = { text: string; params: unknown[] };
export type Statement = SQL | Compiled;

function compile(s: Statement): Compiled {
  if (!('getSQL' in s)) return s;
  const q = dialect.sqlToQuery(s);
  return { text: q.sql, params: q.params };
}

/**
 * A statement built and compiled once (its values are drizzle placeholders, `sql.placeholder`),
 * then filled per call: the hot path's fixed statements cost no query building.
 */
export function preparedStatement(build: () => SQL): (values: Record<string, unknown>) => Compiled {
  let compiled: Compiled | null = null;
  return (values) => {
    compiled ??= compile(build());
    return { text: compiled.text, params: fillPlaceholders(compiled.params, values) };
  };
}

type Client = Db['$client'];
type Param = Parameters<Client['unsafe']>[1];

/** One statement (its own transaction), prepared. */
export async function runStatement(db: Db, statement: Statement): Promise<Row[]> {
  const { text, params } = compile(statement);
  const rows = await db.$client.unsafe(text, params as Param, { prepare: true });
  return [...rows] as Row[];
}

/**
 * `statements` as one transaction in one round trip: BEGIN, the statements and COMMIT are queued
 * together on a reserved connection (postgres.js pipelines them into one write). Postgres runs them
 * in order, each with a fresh snapshot (READ COMMITTED), so a statement sees what an earlier one
 * waited for (a lock). If one fails the rest are skipped by Postgres, COMMIT rolls back, and the
 * first error is thrown. Returns each statement's rows.
 */
export async function runTransaction(
  db: Db,
  statements: Statement[],
  /** Per statement, the async context to send it in (its span's trace: telemetry's query spans); else the caller's. */
  contexts?: (((fn: () => unknown) => unknown) | undefined)[],
): Promise<Row[][]> {
  const reserved = await db.$client.reserve();
  try {
    // A postgres.js query is sent (and its span started, in the async context of that moment) when it
    // is first awaited, in that order: Promise.allSettled below awaits them in order. With contexts,
    // each is awaited as it is made instead (in order too), in its own context.
    const send = <T extends Promise<unknown>>(q: T, context?: (fn: () => unknown) => unknown): T => {
      if (contexts) (context ?? ((fn) => fn()))(() => q.catch(() => {}));
      return q;
    };
    const queries = [
      send(reserved.unsafe('begin')),
      ...statements.map((s, i) => {
        const { text, params } = compile(s);
        return send(reserved.unsafe(text, params as Param, { prepare: true }), contexts?.[i]);
      }),
      send(reserved.unsafe('commit')),
    ];
    const settled = await Promise.allSettled(queries);
    const failed = settled.find((r) => r.status === 'rejected');
    if (failed) throw (failed as PromiseRejectedResult).reason;
    return settled.slice(1, -1).map((r) => [...(r as PromiseFulfilledResult<readonly Row[]>).value] as Row[]);
  } finally {
    reserved.release();
  }
}

const columnsOf = new WeakMap<Table, [string, Column][]>();

/** A row of `table` read by raw SQL (snake_case names, driver values) as drizzle maps it. */
export function toRow<T extends Table>(table: T, row: Row, prefix = ''): T['$inferSelect'] {
  let columns = columnsOf.get(table);
  if (!columns) {
    columns = Object.entries(getTableColumns(table));
    columnsOf.set(table, columns);
  }
  const out: Record<string, unknown> = {};
  for (const [key, col] of columns) {
    const v = row[prefix + col.name];
    out[key] = v === null || v === undefined ? null : col.mapFromDriverValue(v);
  }
  return out as T['$inferSelect'];
}

/** An operations row read by raw SQL (snake_case names, driver values) as drizzle maps it. */
export function toOperation(row: Row, prefix = ''): Operation {
  return toRow(operations, row, prefix);
}
