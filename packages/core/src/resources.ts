import {
  clusters,
  containerImages,
  deployments,
  helmCharts,
  type ResourceType,
  services,
  type Tx,
} from '@slipway/db';
import type { JobResource } from '@slipway/jobs';
import { and, eq, getTableColumns, gt, inArray, isNull, or, type SQL, sql } from 'drizzle-orm';
import type { PgColumn, PgTable } from 'drizzle-orm/pg-core';
import { DomainError } from './errors.ts';
import {
  chartMachine,
  clusterMachine,
  deploymentMachine,
  imageMachine,
  serviceMachine,
} from './status/index.ts';
import { allowedFrom, type Machine } from './status/machine.ts';

/** The resource types that have a table (an `ai` operation acts on nothing it owns). */
export type ManagedType = Exclude<ResourceType, 'ai'>;

// The job catalog names resource types without importing db (it is a leaf): the two lists must agree.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
export const jobResourcesMatchDb: Same<JobResource, ResourceType> = true;

type Tables = {
  container_image: typeof containerImages;
  helm_chart: typeof helmCharts;
  minikube_cluster: typeof clusters;
  deployment: typeof deployments;
  service: typeof services;
};

/** A resource row, as drizzle reads it. */
export type ResourceRow<T extends ManagedType> = Tables[T]['$inferSelect'];

/** The statuses of resource type T (its pgEnum); `never` for `ai`. */
export type StatusOf<T extends ResourceType> = T extends ManagedType ? ResourceRow<T>['status'] : never;

/**
 * Columns a worker may settle on a resource of type T: the table's own columns (drizzle's property
 * names, so `availableReplicas`, not `available_replicas`), minus identity, ownership and the
 * bookkeeping that only verbs or `transitionResource` write. A misspelled column does not compile.
 */
export type ResourceSet<T extends ResourceType> = T extends ManagedType
  ? Partial<
      Omit<
        Tables[T]['$inferInsert'],
        'id' | 'ownerId' | 'status' | 'generation' | 'createdAt' | 'lastUpdated' | 'deletedAt'
      >
    >
  : never;

/** A status change of a resource of type T (null keeps the status) with the columns written with it. */
export type ResourceChange<T extends ResourceType> = {
  status?: StatusOf<T> | null;
  set?: ResourceSet<T>;
  /** Latest generation wins: move the status only while the row's generation is at most this. */
  generation?: number | undefined;
};

type ResourceDef<T extends ManagedType> = {
  table: Tables[T];
  machine: Machine<StatusOf<T>>;
  /** The status the resource takes when its operation fails or is cancelled. */
  failed: StatusOf<T>;
};

// One entry per resource type, each machine typed by its own status enum: a machine that names a status
// its table does not have, or a table whose enum gains a status its machine does not cover, fails here.
const resourceDefs: { [T in ManagedType]: ResourceDef<T> } = {
  container_image: { table: containerImages, machine: imageMachine, failed: 'failed' },
  helm_chart: { table: helmCharts, machine: chartMachine, failed: 'invalid' },
  minikube_cluster: { table: clusters, machine: clusterMachine, failed: 'error' },
  deployment: { table: deployments, machine: deploymentMachine, failed: 'failed' },
  service: { table: services, machine: serviceMachine, failed: 'failed' },
};

/** The status machine of resource type T. */
export function machineOf<T extends ManagedType>(type: T): Machine<StatusOf<T>> {
  return resourceDefs[type].machine;
}

/** The status a resource takes when its operation fails or is cancelled. */
export function failureStatusOf(type: ResourceType): StatusOf<ManagedType> | null {
  return type === 'ai' ? null : resourceDefs[type].failed;
}

/** What every resource table has, as far as a compare-and-set needs it. */
type AnyResourceTable = PgTable & {
  id: PgColumn;
  status: PgColumn;
  deletedAt: PgColumn;
  lastUpdated: PgColumn;
};

/**
 * The WHERE of a verb's desired-state compare-and-set: this live row, in a status from which its
 * machine lets it move to `to`. Zero rows updated means it moved meanwhile (or was deleted): a 409.
 */
export function movableTo<T extends ManagedType>(type: T, id: string, to: StatusOf<T>): SQL {
  const t: AnyResourceTable = resourceDefs[type].table;
  const where = and(eq(t.id, id), isNull(t.deletedAt), inArray(t.status, allowedFrom(machineOf(type), to)));
  if (!where) throw new Error('unreachable: and() of three conditions');
  return where;
}

/**
 * The one untyped step, behind the typed `transitionResource`: `set` keys are checked against the
 * table's columns again at run time (a value built outside TypeScript cannot write an unknown column).
 * Builds the compare-and-set UPDATE (RETURNING id) without running it; `guard` is ANDed into its WHERE
 * (the lease's fence when the update runs inside one statement with it, see operations/lease.ts).
 */
export function resourceUpdate(
  q: Pick<Tx, 'update'>,
  type: ManagedType,
  id: string,
  to: string | null,
  set: Record<string, unknown>,
  generation?: number,
  guard?: SQL,
) {
  const def = resourceDefs[type];
  const table: AnyResourceTable = def.table;
  // Widening, not a cast: each machine is checked against its own status enum in resourceDefs; here
  // the status comes from a lease whose type is known only at run time.
  const machine: Machine<string> = def.machine;
  const columns = getTableColumns(table);
  for (const k of Object.keys(set)) {
    if (!(k in columns) || ['id', 'ownerId', 'status', 'generation', 'createdAt', 'deletedAt'].includes(k))
      throw new Error(`${type}: ${k} is not a column a settlement may write`);
  }
  const from = to ? allowedFrom(machine, to) : Object.keys(machine);
  // Latest generation wins, in the same statement (no window between reading the generation and
  // writing): a row already at a newer generation keeps its status and takes only the columns.
  const newer =
    to && generation !== undefined && 'generation' in columns
      ? gt(columns.generation, generation)
      : undefined;
  const status = newer ? sql`case when ${newer} then ${table.status} else ${to} end` : to;
  const movable = inArray(table.status, from);
  return q
    .update(table)
    .set({ ...set, ...(status ? { status } : {}), lastUpdated: sql`now()` })
    .where(and(eq(table.id, id), isNull(table.deletedAt), newer ? or(newer, movable) : movable, guard))
    .returning({ id: table.id });
}

/** Column types a batched resource update takes as text and casts (`resourceUpdateMany`). */
const TEXT_CASTABLE =
  /^(text|varchar.*|character varying.*|integer|bigint|smallint|real|double precision|numeric.*|boolean|uuid)$/;

/**
 * Whether `resourceUpdateMany` can write these columns of type's table from text values (plain
 * scalar columns; a json, array, enum or timestamp column keeps the one-row `resourceUpdate`).
 */
export function batchableColumns(type: ManagedType, keys: readonly string[]): boolean {
  const columns = getTableColumns(resourceDefs[type].table) as Record<string, PgColumn>;
  return keys.every((k) => {
    const c = columns[k];
    return c !== undefined && TEXT_CASTABLE.test(c.getSQLType());
  });
}

/**
 * `resourceUpdate` for many rows in one statement: the rows of relation `v` (its `rid` the resource
 * id, `s_<key>` each set column's value as text, `gen` the generation when `withGeneration`), each
 * row's compare-and-set the one resourceUpdate makes for one (same columns, same status move, the
 * same latest-generation rule, not deleted, ANDed with `guard`). RETURNING `v.ord` of every row moved.
 * `from` is the FROM of the update (the relation v and whatever the guard needs).
 */
export function resourceUpdateMany(
  type: ManagedType,
  to: string | null,
  setKeys: readonly string[],
  nullKeys: readonly string[],
  withGeneration: boolean,
  from: SQL,
  guard: SQL,
): SQL {
  const def = resourceDefs[type];
  const table: AnyResourceTable = def.table;
  const machine: Machine<string> = def.machine;
  const columns = getTableColumns(table) as Record<string, PgColumn>;
  for (const k of [...setKeys, ...nullKeys]) {
    if (!(k in columns) || ['id', 'ownerId', 'status', 'generation', 'createdAt', 'deletedAt'].includes(k))
      throw new Error(`${type}: ${k} is not a column a settlement may write`);
  }
  if (!batchableColumns(type, setKeys)) throw new Error(`${type}: a column here is not written from text`);
  const col = (c: PgColumn) => sql`t.${sql.identifier(c.name)}`;
  const sets: SQL[] = [
    ...setKeys.map((k) => {
      const c = columns[k] as PgColumn;
      return sql`${sql.identifier(c.name)} = v.${sql.identifier(`s_${k}`)}::${sql.raw(c.getSQLType())}`;
    }),
    ...nullKeys.map((k) => sql`${sql.identifier((columns[k] as PgColumn).name)} = null`),
  ];
  const from_ = to ? allowedFrom(machine, to) : Object.keys(machine);
  const generation = columns.generation;
  const newer = to && withGeneration && generation ? sql`${col(generation)} > v.gen::int` : null;
  if (to) {
    sets.push(
      newer
        ? sql`${sql.identifier(table.status.name)} = case when ${newer} then ${col(table.status)} else ${to} end`
        : sql`${sql.identifier(table.status.name)} = ${to}`,
    );
  }
  sets.push(sql`${sql.identifier(table.lastUpdated.name)} = now()`);
  const movable = sql`${col(table.status)} in (${sql.join(
    from_.map((x) => sql`${x}`),
    sql`, `,
  )})`;
  return sql`update ${table} t set ${sql.join(sets, sql`, `)} from ${from}
    where ${col(table.id)} = v.rid and ${col(table.deletedAt)} is null
      and ${newer ? sql`(${newer} or ${movable})` : movable} and ${guard}
    returning v.ord`;
}

/** The compare-and-set of `resourceUpdate`, run; zero rows is a conflict. */
async function writeResource(
  tx: Tx,
  type: ManagedType,
  id: string,
  to: string | null,
  set: Record<string, unknown>,
  generation?: number,
): Promise<void> {
  const rows = await resourceUpdate(tx, type, id, to, set, generation);
  if (rows.length === 0) {
    throw new DomainError('conflict', `${type} ${id} cannot move to '${to}' from its current state`, { id });
  }
}

/**
 * Compare-and-set on a resource: moves it to `to` only from a status that may move there (its machine),
 * and only while it is not deleted; `set` is written with it. Zero rows is an error, never a silent
 * overwrite.
 */
export async function transitionResource<T extends ManagedType>(
  tx: Tx,
  type: T,
  id: string,
  to: NoInfer<StatusOf<T>> | null,
  set?: NoInfer<ResourceSet<T>>,
): Promise<void> {
  await writeResource(tx, type, id, to, set ?? {});
}

/** The same compare-and-set for a change whose type is only known at run time (a lease's resource). */
export async function applyResourceChange<T extends ResourceType>(
  tx: Tx,
  type: T,
  id: string,
  change: ResourceChange<T>,
): Promise<void> {
  if (type === 'ai') return;
  await writeResource(tx, type, id, change.status ?? null, change.set ?? {}, change.generation);
}
