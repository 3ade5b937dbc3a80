import { randomUUID } from 'node:crypto';
import {
  clusters,
  containerImages,
  type Db,
  deployments,
  helmCharts,
  type Operation,
  operations,
  type ResourceType,
  services,
  type Tx,
} from '@slipway/db';
import { jobNames, jobSpec } from '@slipway/jobs';
import { and, eq, getTableColumns, type SQL, sql, type Table } from 'drizzle-orm';
import { DomainError } from '../errors.ts';
import {
  applyResourceChange,
  batchableColumns,
  failureStatusOf,
  type ManagedType,
  type ResourceRow,
  type ResourceSet,
  resourceUpdate,
  resourceUpdateMany,
  type StatusOf,
} from '../resources.ts';
import { captureContext, GroupCommit } from './group.ts';
import { sendNotices } from './notices.ts';
import { appendEvent, appendEvents } from './record.ts';
import {
  type Compiled,
  preparedStatement,
  type Row,
  runStatement,
  runTransaction,
  toOperation,
  toRow,
} from './trip.ts';

/** Second key of the per-resource advisory lock (claims and settlements of mutating operations). */
const RESOURCE_LOCK = 7150;

const readOnlyKinds = jobNames.filter((n) => jobSpec(n).readOnly === true);

export type ClaimOutcome =
  | { outcome: 'claimed'; lease: Lease }
  | { outcome: 'missing' }
  | { outcome: 'terminal'; status: string }
  /** Another live worker holds it (duplicate delivery). */
  | { outcome: 'held' }
  /**
   * Running with an expired lease (its worker died) and `takeOver` is false: left to the reconciler,
   * which counts the loss against the attempts and re-drives it (or dead-letters it).
   */
  | { outcome: 'lost' }
  /**
   * It was lost before (a worker died running it) and `alone` is false: it may be the poison that
   * killed that worker, so it is claimed only by a worker that runs nothing else (no attempt counted).
   */
  | { outcome: 'isolate' }
  /** An earlier operation on the same resource is still pending or running: try again later. */
  | { outcome: 'wait'; blockedBy: string };

export type ClaimOptions = {
  leaseMs: number;
  workerId: string;
  /** Claim a `running` operation whose lease expired (default true); false leaves it to the reconciler. */
  takeOver?: boolean;
  /**
   * The claimer runs nothing else (default true). False: an operation that was lost before is not
   * claimed but answered `isolate`, so that a poison cannot take healthy operations down with it again.
   */
  alone?: boolean;
  /**
   * Also read the operation's resource row (a table of this type) in the claim's own statement (the
   * snapshot it claims in), for a processor that starts by reading it (`Lease.resource`): one round
   * trip, one commit and one statement less than reading it afterwards.
   */
  readResource?: ManagedType | undefined;
};

/**
 * The start of the event the reconciler writes when it re-drives an operation whose lease expired:
 * an operation with one was lost before (its worker died while running it).
 */
export const LOST_EVENT = 'lease expired (worker lost)';

const quoted = (xs: readonly string[]) => sql.raw(xs.length ? xs.map((k) => `'${k}'`).join(', ') : `''`);
/** The read-only kinds as an SQL list: they never wait for, nor block, another operation. */
const RO = quoted(readOnlyKinds);
const p = sql.placeholder;
/** Queued, or running with no lease, or (when taking over) running with an expired lease. */
const claimable = sql`(status = 'queued' or (status = 'running' and (lease_expires_at is null
  or (${p('takeOver')}::boolean and lease_expires_at < now()))))`;
const claimLock = preparedStatement(
  () => sql`select case when ${claimable} and kind not in (${RO})
      then pg_advisory_xact_lock(hashtextextended(resource_id::text, ${RESOURCE_LOCK})) end as locked
    from operations where id = ${p('op')} for update`,
);
const resourceTables = {
  container_image: containerImages,
  helm_chart: helmCharts,
  minikube_cluster: clusters,
  deployment: deployments,
  service: services,
} satisfies { [T in ManagedType]: Table };

/** The resource row's columns in a claim's result, each prefixed so none collides with the operation's. */
const R = 'r_';

/** The claim; with `table`, the claimed operation's resource row is read in the same statement (`r_` columns). */
const claimSql = (table: Table | null) =>
  sql`with cur as (
        select id, status, kind, resource_id, created_at, ${claimable} as claimable,
          status = 'running' and lease_expires_at < now() as expired,
          -- Lost before: the reconciler re-drove it after a lease expiry (looked up only after an attempt).
          case when attempts > 0 then exists (select 1 from operation_events e
            where e.operation_id = operations.id and e.status = 'queued' and starts_with(e.message, ${LOST_EVENT}))
            else false end as lost
        from operations where id = ${p('op')}
      ), blocker as (
        select o.id from operations o join cur on o.resource_id = cur.resource_id
        where cur.claimable and cur.kind not in (${RO}) and o.id <> cur.id and o.kind not in (${RO})
          and ((o.status = 'running' and o.lease_expires_at > now())
               or (o.status in ('queued', 'running') and (o.created_at, o.id) < (cur.created_at, cur.id)))
        order by o.created_at limit 1
      ), claimed as (
        update operations o set status = 'running', attempts = o.attempts + 1, lease_token = ${p('token')}::uuid,
          lease_expires_at = now() + make_interval(secs => ${p('leaseS')}),
          started_at = coalesce(o.started_at, now()), updated_at = now()
        from cur
        where o.id = cur.id and cur.claimable and o.status = cur.status and not exists (select 1 from blocker)
          and (not cur.lost or ${p('alone')}::boolean)
        returning o.*
      ), ev as (
        insert into operation_events (operation_id, status, message)
        select id, 'running', 'attempt ' || attempts || ' started on ' || ${p('worker')}::text
        from claimed returning id
      )
      select cur.status as cur_status, cur.claimable as cur_claimable, cur.expired as cur_expired,
        cur.lost as cur_lost, (select id from blocker) as blocked_by, claimed.*,
        (select count(*) from ev)::int as events${
          table
            ? sql`, ${sql.join(
                Object.values(getTableColumns(table)).map(
                  (c) => sql`r.${sql.identifier(c.name)} as ${sql.identifier(R + c.name)}`,
                ),
                sql`, `,
              )}`
            : sql``
        }
      from cur left join claimed on true${table ? sql` left join ${table} r on r.id = claimed.resource_id` : sql``}`;
const claimStatement = preparedStatement(() => claimSql(null));
const claimReadingStatements = Object.fromEntries(
  Object.entries(resourceTables).map(([type, table]) => [type, preparedStatement(() => claimSql(table))]),
) as Record<ManagedType, (values: Record<string, unknown>) => Compiled>;

/** The claim's `claimable` for a batch: each request's own `take_over` (`r`), on the row `o`. */
const claimableIn = sql.raw(`(o.status = 'queued' or (o.status = 'running' and (o.lease_expires_at is null
  or (r.take_over and o.lease_expires_at < now()))))`);
/**
 * A batch's first statement: every requested row locked (and, when it may be claimed and is not
 * read-only, its resource's advisory lock taken first, as claimLock does for one) in ONE order, by
 * resource id then operation id, the order a batch of settlements takes them in too, so two
 * batches (or a batch and single claims or settlements, which take one pair each) never wait for
 * each other in a cycle. The reconciler's sweep locks the expired operations it re-drives in its own
 * order: should a batch hold one of them (a stalled delivery's claim, a late settlement) while the
 * sweep holds another the batch waits for, Postgres breaks the deadlock after deadlock_timeout; the
 * batch is then run request by request (group.ts) and the sweep runs again at its next interval.
 */
const claimLockMany = preparedStatement(
  () => sql`select l.locked from (
      select o.id, r.take_over::boolean as take_over
      from unnest(${p('ops')}::uuid[], ${p('takeOver')}::text[]) as r(id, take_over)
      join operations o on o.id = r.id
      order by o.resource_id, o.id
    ) r cross join lateral (
      select case when ${claimableIn} and o.kind not in (${RO})
          then pg_advisory_xact_lock(hashtextextended(o.resource_id::text, ${RESOURCE_LOCK})) end as locked
      from operations o where o.id = r.id for update
    ) l`,
);

/**
 * claimSql for several operations (distinct ids) in one statement: each request (`r`, its position
 * `req_ord`) with its own token, lease, worker, takeOver and alone; its blocker, claim, event and
 * answer are its own. Two requests on one resource: the older is claimed, the newer waits for it
 * (it is queued and older), as when the two claims run one after the other.
 */
const claimManySql = (table: Table | null) =>
  sql`with r as (
        select u.id, u.token, u.lease_s, u.worker, u.take_over::boolean as take_over, u.alone::boolean as alone, u.ord
        from unnest(${p('ops')}::uuid[], ${p('tokens')}::uuid[], ${p('leaseS')}::float8[],
          ${p('workers')}::text[], ${p('takeOver')}::text[], ${p('alone')}::text[])
          with ordinality as u(id, token, lease_s, worker, take_over, alone, ord)
      ), cur as (
        select r.ord, r.token, r.lease_s, r.worker, r.alone, o.id, o.status, o.kind, o.resource_id, o.created_at,
          ${claimableIn} as claimable,
          o.status = 'running' and o.lease_expires_at < now() as expired,
          case when o.attempts > 0 then exists (select 1 from operation_events e
            where e.operation_id = o.id and e.status = 'queued' and starts_with(e.message, ${LOST_EVENT}))
            else false end as lost
        from r join operations o on o.id = r.id
      ), blocker as (
        select cur.ord, (select o.id from operations o
          where o.resource_id = cur.resource_id and o.id <> cur.id and o.kind not in (${RO})
            and ((o.status = 'running' and o.lease_expires_at > now())
                 or (o.status in ('queued', 'running') and (o.created_at, o.id) < (cur.created_at, cur.id)))
          order by o.created_at limit 1) as id
        from cur where cur.claimable and cur.kind not in (${RO})
      ), claimed as (
        update operations o set status = 'running', attempts = o.attempts + 1, lease_token = cur.token,
          lease_expires_at = now() + make_interval(secs => cur.lease_s),
          started_at = coalesce(o.started_at, now()), updated_at = now()
        from cur
        where o.id = cur.id and cur.claimable and o.status = cur.status
          and not exists (select 1 from blocker b where b.ord = cur.ord and b.id is not null)
          and (not cur.lost or cur.alone)
        returning o.*
      ), ev as (
        insert into operation_events (operation_id, status, message)
        select c.id, 'running', 'attempt ' || c.attempts || ' started on ' || cur.worker
        from claimed c join cur on cur.id = c.id order by cur.ord returning id
      )
      select cur.ord as req_ord, cur.status as cur_status, cur.claimable as cur_claimable,
        cur.expired as cur_expired, cur.lost as cur_lost, b.id as blocked_by, claimed.*,
        (select count(*) from ev)::int as events${
          table
            ? sql`, ${sql.join(
                Object.values(getTableColumns(table)).map(
                  (c) => sql`rr.${sql.identifier(c.name)} as ${sql.identifier(R + c.name)}`,
                ),
                sql`, `,
              )}`
            : sql``
        }
      from cur left join blocker b on b.ord = cur.ord left join claimed on claimed.id = cur.id${
        table ? sql` left join ${table} rr on rr.id = claimed.resource_id` : sql``
      }`;
const claimManyStatement = preparedStatement(() => claimManySql(null));
const claimManyReadingStatements = Object.fromEntries(
  Object.entries(resourceTables).map(([type, table]) => [type, preparedStatement(() => claimManySql(table))]),
) as Record<ManagedType, (values: Record<string, unknown>) => Compiled>;

type ClaimRequest = {
  op: string;
  token: string;
  leaseMs: number;
  worker: string;
  takeOver: boolean;
  alone: boolean;
};

/** The claim's answer row (claimSql / claimManySql) as an outcome. */
function claimOutcome(
  db: Db,
  row: Row | undefined,
  req: ClaimRequest,
  readResource: ManagedType | undefined,
): ClaimOutcome {
  if (!row) return { outcome: 'missing' };
  const status = String(row.cur_status);
  if (status === 'succeeded' || status === 'failed' || status === 'cancelled')
    return { outcome: 'terminal', status };
  if (row.blocked_by) return { outcome: 'wait', blockedBy: String(row.blocked_by) };
  if (row.id === null || row.id === undefined) {
    if (row.cur_claimable === true && row.cur_lost === true) return { outcome: 'isolate' };
    if (row.cur_claimable !== true && row.cur_expired === true) return { outcome: 'lost' };
    return { outcome: 'held' };
  }
  sendNotices(db.$client, [String(row.id)]);
  const lease = new Lease(db, toOperation(row), req.token, req.leaseMs);
  if (readResource && lease.op.resourceType === readResource) {
    lease.resource = row[`${R}id`] == null ? null : toRow(resourceTables[readResource], row, R);
  }
  return { outcome: 'claimed', lease };
}

async function claimOne(db: Db, req: ClaimRequest, readResource: ManagedType | undefined) {
  const [, rows] = await runTransaction(db, [
    claimLock({ op: req.op, takeOver: req.takeOver }),
    (readResource ? claimReadingStatements[readResource] : claimStatement)({
      op: req.op,
      token: req.token,
      leaseS: req.leaseMs / 1000,
      worker: req.worker,
      takeOver: req.takeOver,
      alone: req.alone,
    }),
  ]);
  return claimOutcome(db, rows?.[0], req, readResource);
}

async function claimMany(db: Db, reqs: ClaimRequest[], readResource: ManagedType | undefined) {
  const ops = reqs.map((r) => r.op);
  // Booleans as text 't'/'f', cast in the statement: postgres.js declares a JS array of booleans as
  // one boolean, and its boolean serializer turns any element that is not `true` into 'f'.
  const flag = (b: boolean) => (b ? 't' : 'f');
  const takeOver = reqs.map((r) => flag(r.takeOver));
  const [, rows] = await runTransaction(db, [
    claimLockMany({ ops, takeOver }),
    (readResource ? claimManyReadingStatements[readResource] : claimManyStatement)({
      ops,
      tokens: reqs.map((r) => r.token),
      leaseS: reqs.map((r) => r.leaseMs / 1000),
      workers: reqs.map((r) => r.worker),
      takeOver,
      alone: reqs.map((r) => flag(r.alone)),
    }),
  ]);
  const byOrd = new Map<number, Row>();
  for (const row of rows ?? []) byOrd.set(Number(row.req_ord), row);
  return reqs.map((req, i) => claimOutcome(db, byOrd.get(i + 1), req, readResource));
}

/** At most this many claims (or settlements) in one group commit. */
const MAX_GROUP = 64;

/** Claims in flight per pool and statement (what the claim reads besides the row): see group.ts. */
const claimGroups = new WeakMap<Db, Map<string, GroupCommit<ClaimRequest, ClaimOutcome>>>();

function claimGroup(db: Db, readResource: ManagedType | undefined) {
  let groups = claimGroups.get(db);
  if (!groups) {
    groups = new Map();
    claimGroups.set(db, groups);
  }
  const key = readResource ?? '';
  let g = groups.get(key);
  if (!g) {
    g = new GroupCommit<ClaimRequest, ClaimOutcome>({
      one: (req) => claimOne(db, req, readResource),
      many: (reqs) => claimMany(db, reqs, readResource),
      keyOf: (req) => req.op,
      max: MAX_GROUP,
      name: 'operation.claim',
    });
    groups.set(key, g);
  }
  return g;
}

/** The group commits of this pool's claims, by what they read besides the row (tests and diagnostics). */
export function claimGroupStats(db: Db): GroupCommit<unknown, unknown>['stats'][] {
  return [...(claimGroups.get(db)?.values() ?? [])].map((g) => g.stats);
}

/**
 * Claims an operation with a compare-and-set: queued (or running with an expired lease, unless
 * `takeOver` is false) -> running, attempts + 1, a fresh lease token, expiry computed by Postgres
 * now(). Mutating operations on one resource run one at a time, oldest first (a transaction-scoped
 * advisory lock on the resource id serialises the check-and-claim). An operation lost before is
 * claimed only `alone` (else `isolate`, nothing written).
 *
 * One transaction in one round trip (trip.ts): the first statement locks the row and, when it may
 * be claimed and is not read-only, takes the resource's advisory lock; the second (a fresh snapshot,
 * so it sees whatever the lock waited for) checks for blockers, claims and appends the `running`
 * event, all in one data-modifying CTE (and reads the resource row, `readResource`); the live streams
 * are woken after it committed (notices.ts). Claims made on one pool while another is on its way go
 * out together, one transaction for all (group.ts), each with its own token and outcome.
 */
export async function claimOperation(db: Db, operationId: string, opts: ClaimOptions): Promise<ClaimOutcome> {
  return claimGroup(db, opts.readResource).submit({
    op: operationId,
    token: randomUUID(),
    leaseMs: opts.leaseMs,
    worker: opts.workerId.slice(0, 3000),
    takeOver: opts.takeOver ?? true,
    alone: opts.alone ?? true,
  });
}

/** How an operation on a resource of type T ends; statuses and columns are T's own (see ResourceSet). */
export type Settlement<T extends ResourceType = ResourceType> = {
  /** Resource status to move to (compare-and-set through its machine); null keeps the status. */
  resourceStatus?: StatusOf<T> | null;
  resourceSet?: ResourceSet<T>;
  /**
   * The resource generation this operation applied: the status moves only while the resource is not
   * at a newer one (latest generation wins, decided in the same UPDATE); the columns are written anyway.
   */
  generation?: number | undefined;
  result?: Record<string, unknown>;
  message: string;
  /** More writes that commit with the settlement, in its transaction (a cluster's workloads). */
  alsoIn?: (tx: Tx) => Promise<void>;
};

/** Narrows a lease to the resource type its operation acts on (the runner checks it against the job catalog). */
export function isLeaseOn<T extends ResourceType>(lease: Lease, type: T): lease is Lease<T> {
  return lease.op.resourceType === type;
}

const settleLock = preparedStatement(
  () => sql`select pg_advisory_xact_lock(hashtextextended(resource_id::text, ${RESOURCE_LOCK})) as locked
    from operations where id = ${p('op')} and lease_token = ${p('token')}::uuid and status = 'running'
    for update`,
);
const renewStatement = preparedStatement(
  () => sql`update operations set lease_expires_at = now() + make_interval(secs => ${p('leaseS')}),
      updated_at = now()
    where id = ${p('op')} and lease_token = ${p('token')}::uuid and status = 'running'
    returning cancel_requested_at`,
);
const nextStatement = preparedStatement(
  () => sql`select id, kind from operations
    where resource_id = ${p('resource')} and status = 'queued' and kind not in (${RO})
    order by created_at, id limit 1`,
);

/**
 * A batch's first statement for several settlements: each owned row locked after its resource's
 * advisory lock (as settleLock does for one), all in one order, by resource id then operation id
 * (the order a batch of claims takes them in), and the settlements' statements follow in that order,
 * so what they lock next (the resource rows) is taken in resource order as well.
 */
const settleLockMany = preparedStatement(
  () => sql`select l.locked from (
      select o.id, r.token from unnest(${p('ops')}::uuid[], ${p('tokens')}::uuid[]) as r(id, token)
      join operations o on o.id = r.id
      order by o.resource_id, o.id
    ) r cross join lateral (
      select pg_advisory_xact_lock(hashtextextended(o.resource_id::text, ${RESOURCE_LOCK})) as locked
      from operations o where o.id = r.id and o.lease_token = r.token and o.status = 'running' for update
    ) l`,
);

type SettleRequest = {
  op: string;
  token: string;
  resourceId: string;
  /** The settlement's fenced statement (commitFenced, `locked`): run after the locks, in the same transaction. */
  statement: Compiled;
  /** The settling caller's async context: its statement's span goes to its own trace. */
  run: <T>(fn: () => T) => T;
};

async function settleOne(db: Db, req: SettleRequest): Promise<Row[]> {
  const [, rows] = await runTransaction(db, [settleLock({ op: req.op, token: req.token }), req.statement]);
  return rows ?? [];
}

async function settleMany(db: Db, reqs: SettleRequest[]): Promise<Row[][]> {
  const order = reqs
    .map((req, i) => ({ req, i }))
    .sort((a, b) =>
      a.req.resourceId === b.req.resourceId
        ? compare(a.req.op, b.req.op)
        : compare(a.req.resourceId, b.req.resourceId),
    );
  const results = await runTransaction(
    db,
    [
      settleLockMany({ ops: reqs.map((r) => r.op), tokens: reqs.map((r) => r.token) }),
      ...order.map((o) => o.req.statement),
    ],
    [undefined, ...order.map((o) => o.req.run)],
  );
  const answers: Row[][] = new Array(reqs.length);
  order.forEach((o, k) => {
    answers[o.i] = results[k + 1] ?? [];
  });
  return answers;
}

/** Uuids (lowercase, canonical) in Postgres's uuid order. */
const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * A settlement whose statement text is the same for many operations (its shape: what it sets, on
 * which resource type, which columns, see commitFenced's key), with its values as text: a batch of
 * them is ONE statement (settleManySql) instead of one statement each.
 */
type SettleShape = {
  op: 'succeed' | 'fail' | 'release';
  settles: 'done' | 'released';
  resource: {
    type: ManagedType;
    status: string | null;
    required: boolean;
    /** Columns set from a value (as text, cast to the column's type), sorted. */
    setKeys: string[];
    /** Columns set to null. */
    nullKeys: string[];
    generation: boolean;
  } | null;
};

type ShapedSettleRequest = SettleRequest & {
  shape: SettleShape;
  /** This settlement's row of the batch: `a_<column>` of settleManySql's relation v, as text. */
  row: Record<string, string | null>;
  events: { status: string; message: string }[];
};

/** The relation v's columns for a shape (besides `ord`); the first three are uuids, the others text. */
function shapeColumns(shape: SettleShape): string[] {
  return [
    'op',
    'token',
    'rid',
    ...(shape.op === 'succeed' ? ['result'] : []),
    ...(shape.op === 'fail' ? ['reason'] : []),
    ...(shape.resource?.generation ? ['gen'] : []),
    ...(shape.resource?.setKeys ?? []).map((k) => `s_${k}`),
  ];
}

const opSetsMany: Record<SettleShape['op'], string> = {
  succeed: `status = 'succeeded', error = null, result = v.result::jsonb, progress = 100, lease_token = null,
    lease_expires_at = null, finished_at = now(), updated_at = now()`,
  fail: `status = 'failed', error = v.reason, result = null, lease_token = null, lease_expires_at = null,
    finished_at = now(), updated_at = now()`,
  release: `status = 'queued', lease_token = null, lease_expires_at = null, updated_at = now()`,
};

/**
 * commitFenced's settlement statement for many operations of one shape (distinct resources): each
 * row of v is one settlement, fenced by its own token (f), its own resource compare-and-set (r),
 * its own operation columns (o), its own events in its own order (e), and its own answer (owned,
 * moved, appended, next in line), exactly as the one-operation statement answers for one.
 */
function settleManySql(shape: SettleShape): SQL {
  const cols = shapeColumns(shape);
  const arrays = cols.map((c, i) => sql`${p(`a_${c}`)}::${sql.raw(i < 3 ? 'uuid[]' : 'text[]')}`);
  const res = shape.resource;
  const r = res
    ? resourceUpdateMany(
        res.type,
        res.status,
        res.setKeys,
        res.nullKeys,
        res.generation,
        sql`v join f on f.ord = v.ord`,
        sql`true`,
      )
    : null;
  return sql`with v as (
      select * from unnest(${sql.join(arrays, sql`, `)})
        with ordinality as u(${sql.join(
          cols.map((c) => sql.identifier(c)),
          sql`, `,
        )}, ord)
    ), f as (
      select v.ord, o.id from v join operations o
        on o.id = v.op and o.lease_token = v.token and o.status = 'running'
    )${r ? sql`, r as (${r})` : sql``}, ok as (
      select f.ord, f.id from f${res?.required ? sql` where exists (select 1 from r where r.ord = f.ord)` : sql``}
    ), o as (
      update operations set ${sql.raw(opSetsMany[shape.op])} from ok join v on v.ord = ok.ord
      where operations.id = ok.id returning operations.id
    ), e as (
      insert into operation_events (operation_id, status, message)
      select ok.id, m.status, m.message
      from unnest(${p('evOrd')}::int[], ${p('statuses')}::text[], ${p('messages')}::text[])
        with ordinality as m(ord, status, message, n)
      join ok on ok.ord = m.ord
      order by m.n returning operation_id
    )
    select v.ord as req_ord, (select count(*) from f where f.ord = v.ord)::int as owned,
      ${r ? sql`(select count(*) from r where r.ord = v.ord)::int` : sql`0`} as moved,
      (select count(*) from e where e.operation_id = v.op)::int as appended,
      (select json_build_object('id', q.id, 'kind', q.kind) from operations q
        where q.resource_id = v.rid and q.kind not in (${RO}) and exists (select 1 from ok where ok.ord = v.ord)
          and (q.status = 'queued'${shape.settles === 'released' ? sql` or q.id = v.op` : sql``})
        order by q.created_at, q.id limit 1) as next
    from v`;
}

const settleManyStatements = new Map<string, (values: Record<string, unknown>) => Compiled>();

async function settleManyRows(db: Db, key: string, reqs: ShapedSettleRequest[]): Promise<Row[][]> {
  const shape = (reqs[0] as ShapedSettleRequest).shape;
  let statement = settleManyStatements.get(key);
  if (!statement) {
    statement = preparedStatement(() => settleManySql(shape));
    if (settleManyStatements.size >= MAX_FENCED_SHAPES) settleManyStatements.clear();
    settleManyStatements.set(key, statement);
  }
  const values: Record<string, unknown> = {};
  for (const c of shapeColumns(shape)) values[`a_${c}`] = reqs.map((q) => q.row[c] ?? null);
  const evOrd: number[] = [];
  const statuses: string[] = [];
  const messages: string[] = [];
  reqs.forEach((q, i) => {
    for (const e of q.events) {
      evOrd.push(i + 1);
      statuses.push(e.status);
      messages.push(e.message);
    }
  });
  values.evOrd = evOrd;
  values.statuses = statuses;
  values.messages = messages;
  const [, rows] = await runTransaction(db, [
    settleLockMany({ ops: reqs.map((q) => q.op), tokens: reqs.map((q) => q.token) }),
    statement(values),
  ]);
  const byOrd = new Map<number, Row>();
  for (const row of rows ?? []) byOrd.set(Number(row.req_ord), row);
  return reqs.map((_, i) => {
    const row = byOrd.get(i + 1);
    return row ? [row] : [];
  });
}

/** Settlement group commits per pool: '' for any settlement (one statement each), else per shape. */
const settleGroups = new WeakMap<Db, Map<string, GroupCommit<SettleRequest, Row[]>>>();

/** Settlements made on one pool while another is on its way go out together (group.ts). */
function settleGroup(db: Db, shapeKey = ''): GroupCommit<SettleRequest, Row[]> {
  let groups = settleGroups.get(db);
  if (!groups) {
    groups = new Map();
    settleGroups.set(db, groups);
  }
  let g = groups.get(shapeKey);
  if (!g) {
    g = new GroupCommit<SettleRequest, Row[]>({
      one: (req) => settleOne(db, req),
      many: shapeKey
        ? (reqs) => settleManyRows(db, shapeKey, reqs as ShapedSettleRequest[])
        : (reqs) => settleMany(db, reqs),
      // One settlement per resource in a batch (a shape's statement matches rows by resource id).
      keyOf: (req) => req.resourceId,
      max: MAX_GROUP,
      name: 'operation.settle',
    });
    groups.set(shapeKey, g);
  }
  return g;
}

/**
 * The group commits of this pool's settlements, summed (tests and diagnostics); `shaped`: only those
 * whose batches are one statement (settleManySql).
 */
export function settleGroupStats(db: Db, shaped = false): GroupCommit<unknown, unknown>['stats'] {
  const sum = { batches: 0, batched: 0, singles: 0, fallbacks: 0 };
  for (const [key, g] of settleGroups.get(db) ?? []) {
    if (shaped && key === '') continue;
    sum.batches += g.stats.batches;
    sum.batched += g.stats.batched;
    sum.singles += g.stats.singles;
    sum.fallbacks += g.stats.fallbacks;
  }
  return sum;
}

/** The operations row's columns a fenced write sets (the fence holds), by what it does. */
type OpWrite =
  | { kind: 'progress'; progress: number }
  | { kind: 'succeed'; result: string | null }
  | { kind: 'fail'; reason: string }
  | { kind: 'release' };

const opSets: Record<OpWrite['kind'], () => SQL> = {
  progress: () => sql`progress = ${p('progress')}, updated_at = now()`,
  succeed: () => sql`status = 'succeeded', error = null, result = ${p('result')}::jsonb,
    progress = 100, lease_token = null, lease_expires_at = null, finished_at = now(), updated_at = now()`,
  fail: () => sql`status = 'failed', error = ${p('reason')}, result = null, lease_token = null, lease_expires_at = null,
    finished_at = now(), updated_at = now()`,
  release: () => sql`status = 'queued', lease_token = null, lease_expires_at = null, updated_at = now()`,
};

/** What `commitFenced` writes: operation columns, a resource change, events, in one statement. */
type FencedWrite = {
  op?: OpWrite;
  /** A resource compare-and-set; `required`: zero rows means the whole write is a conflict. */
  resource?: {
    status: string | null;
    set: Record<string, unknown>;
    generation?: number | undefined;
    required: boolean;
  };
  /** Events to append after the buffered log lines, in order. */
  events: { status: string; message: string }[];
  /**
   * The operation settles (or goes back to queued): take the resource's advisory lock first (the one
   * claims take) and read who is next in line in the same transaction, so a claim that saw this one
   * running and went to wait is always seen (see Lease.next).
   */
  settles?: 'done' | 'released';
};

/**
 * The fenced statements, compiled once per shape (what the write sets, on which resource type, which
 * resource columns, locked or not): every value is a placeholder filled per call, so the hot path
 * builds no query (drizzle's query building was ~14% of the worker's CPU when built per call).
 */
const fencedStatements = new Map<string, (values: Record<string, unknown>) => Compiled>();
/** Bounded: shapes come from code paths, not data, but a set with varying keys must not grow it forever. */
const MAX_FENCED_SHAPES = 500;

function fencedStatement(key: string, build: () => SQL): (values: Record<string, unknown>) => Compiled {
  let s = fencedStatements.get(key);
  if (!s) {
    s = preparedStatement(build);
    if (fencedStatements.size >= MAX_FENCED_SHAPES) fencedStatements.clear();
    fencedStatements.set(key, s);
  }
  return s;
}

/**
 * The right to act on one claimed operation. Every write is fenced: it only takes effect while this
 * lease token still owns the running operation (row-locked for the write), so a worker that stalled
 * past its lease and wakes up late is fenced off and its writes are rejected.
 */
export class Lease<T extends ResourceType = ResourceType> {
  readonly op: Operation;
  readonly token: string;
  private readonly db: Db;
  private readonly leaseMs: number;
  /** Driver log lines not yet written; they commit with the next fenced write, before any settlement. */
  private pending: string[] = [];
  private inflight = 0;
  private inflightSince: number | null = null;
  /** Columns written with every resource change of this lease (the runner records the driver used). */
  resourceDefaults: { driver?: string } = {};
  /** Set once this lease failed its operation (the runner ends the BullMQ job as failed too). */
  failedWith: string | null = null;
  /** The status this lease left the operation in (succeeded, failed, queued), once it settled it. */
  settled: 'succeeded' | 'failed' | 'queued' | null = null;
  /**
   * Read under the resource's advisory lock when this lease settled the operation: the oldest queued
   * mutating operation on the resource (null: none); undefined when not known (not settled by the
   * fast path, or a read-only kind, which never makes another operation wait).
   */
  next: { id: string; kind: string } | null | undefined = undefined;
  /**
   * The operation's resource row as read in the claim's transaction (`ClaimOptions.readResource`),
   * regardless of owner or deletion; null when there is none, undefined when it was not read.
   */
  resource: (T extends ManagedType ? ResourceRow<T> : never) | null | undefined = undefined;
  constructor(db: Db, op: Operation, token: string, leaseMs: number) {
    this.db = db;
    this.op = op;
    this.token = token;
    this.leaseMs = leaseMs;
  }

  /** How long the oldest unfinished commit has been waiting (0 when none): a hung connection shows here. */
  stalledMs(): number {
    return this.inflightSince === null ? 0 : Date.now() - this.inflightSince;
  }

  private async tracked<R>(fn: () => Promise<R>): Promise<R> {
    if (this.inflight++ === 0) this.inflightSince = Date.now();
    try {
      return await fn();
    } finally {
      if (--this.inflight === 0) this.inflightSince = null;
    }
  }

  private fenced(): DomainError {
    return new DomainError('fenced', `operation ${this.op.id} is no longer owned by this worker`, {
      id: this.op.id,
    });
  }

  /** Any writes in one transaction, after the fence (a locking read of the owned row) and the buffered log lines. */
  async commit<R>(fn: (tx: Tx) => Promise<R>): Promise<R> {
    return this.tracked(() => this.commitNow(fn));
  }

  private async commitNow<R>(fn: (tx: Tx) => Promise<R>): Promise<R> {
    return this.db.transaction(async (tx) => {
      const owned = await tx
        .select({ id: operations.id })
        .from(operations)
        .where(
          and(
            eq(operations.id, this.op.id),
            eq(operations.leaseToken, this.token),
            eq(operations.status, 'running'),
          ),
        )
        .for('update');
      if (owned.length === 0) throw this.fenced();
      const lines = this.pending;
      this.pending = [];
      try {
        await appendEvents(tx, this.op.id, 'running', lines);
        return await fn(tx);
      } catch (e) {
        this.pending = [...lines, ...this.pending];
        throw e;
      }
    });
  }

  /**
   * The common writes (progress, events, a resource change, the settlement) as ONE statement: a
   * data-modifying CTE whose first part is the fence (the owned row, locked); the resource
   * compare-and-set, the operation's columns and the events (buffered lines first) are each
   * conditional on it; the live streams are woken once it committed (notices.ts). A settlement runs it in a
   * transaction after the resource's advisory lock, in the same round trip (trip.ts).
   */
  private async commitFenced(w: FencedWrite): Promise<void> {
    const lines = this.pending;
    this.pending = [];
    const events = [...lines.map((message) => ({ status: 'running', message })), ...w.events];
    const mutating = !readOnlyKinds.includes(this.op.kind as (typeof readOnlyKinds)[number]);
    const locked = w.settles !== undefined && mutating;
    const values: Record<string, unknown> = {
      op: this.op.id,
      token: this.token,
      rid: this.op.resourceId,
      statuses: events.map((x) => x.status),
      messages: events.map((x) => x.message.slice(0, 4000)),
    };
    // The shape: everything that changes the statement's text. Values go in as placeholders.
    let key: string | null = `${w.op?.kind ?? '-'}|${locked ? (w.settles ?? '') : ''}|`;
    let resource: { status: string | null; set: Record<string, unknown>; generation?: number } | null = null;
    if (w.resource && this.op.resourceType !== 'ai') {
      const given: Record<string, unknown> = { ...this.resourceDefaults, ...w.resource.set };
      const set: Record<string, unknown> = {};
      key += `${this.op.resourceType}|${w.resource.status ?? ''}|${w.resource.required ? 'r' : ''}|`;
      for (const k of Object.keys(given).sort()) {
        const v = given[k];
        if (v === undefined) continue;
        if (v === null || (typeof v === 'object' && 'getSQL' in v)) {
          // null, or an SQL expression: part of the text (an expression makes the statement uncached).
          set[k] = v;
          key = v === null && key !== null ? `${key}${k}=null,` : null;
        } else {
          set[k] = p(`s_${k}`);
          values[`s_${k}`] = v;
          if (key !== null) key += `${k},`;
        }
      }
      resource = { status: w.resource.status, set };
      if (w.resource.generation !== undefined) {
        values.gen = w.resource.generation;
        // A placeholder where resourceUpdate compares the generation: filled with the number per call.
        resource.generation = p('gen') as unknown as number;
        if (key !== null) key += '|gen';
      }
    }
    switch (w.op?.kind) {
      case 'progress':
        values.progress = Math.max(0, Math.min(100, Math.round(w.op.progress)));
        break;
      case 'succeed':
        values.result = w.op.result;
        break;
      case 'fail':
        values.reason = w.op.reason;
        break;
    }
    const required = resource !== null && w.resource?.required === true;
    const opWrite = w.op;
    const resourceType = this.op.resourceType;
    const build = (): SQL => {
      const r = resource
        ? resourceUpdate(
            this.db,
            resourceType as Exclude<ResourceType, 'ai'>,
            // The resource id as a placeholder (filled per call), where resourceUpdate wants the id.
            p('rid') as unknown as string,
            resource.status,
            resource.set,
            resource.generation,
            sql`exists (select 1 from f)`,
          ).getSQL()
        : null;
      return sql`with f as (
        select id, owner_id, resource_type, resource_id from operations
        where id = ${p('op')} and lease_token = ${p('token')}::uuid and status = 'running'
        ${locked ? sql`` : sql`for update`}
      )${r ? sql`, r as (${r})` : sql``}, ok as (
        select f.id from f where ${required ? sql`exists (select 1 from r)` : sql`true`}
      )${opWrite ? sql`, o as (update operations set ${opSets[opWrite.kind]()} where id = (select id from ok) returning id)` : sql``}, e as (
        insert into operation_events (operation_id, status, message)
        select ok.id, m.status, m.message
        from ok, unnest(${p('statuses')}::text[], ${p('messages')}::text[]) with ordinality as m(status, message, ord)
        order by m.ord returning id
      )
      select (select count(*) from f)::int as owned, ${r ? sql`(select count(*) from r)::int` : sql`0`} as moved,
        (select count(*) from e)::int as appended,
        ${
          locked
            ? sql`(select json_build_object('id', q.id, 'kind', q.kind) from operations q
                where q.resource_id = ${p('rid')} and q.kind not in (${RO}) and exists (select 1 from ok)
                  and (q.status = 'queued'${w.settles === 'released' ? sql` or q.id = ${p('op')}` : sql``})
                order by q.created_at, q.id limit 1)`
            : sql`null`
        } as next`;
    };
    const statement = (key === null ? preparedStatement(build) : fencedStatement(key, build))(values);
    const shaped = locked && key !== null ? this.shapeOf(w, opWrite, events) : null;
    try {
      const rows = await this.tracked(async () =>
        locked
          ? settleGroup(this.db, shaped ? `${key}` : '').submit({
              op: this.op.id,
              token: this.token,
              resourceId: this.op.resourceId,
              statement,
              run: captureContext(),
              ...(shaped ?? {}),
            } as SettleRequest)
          : await runStatement(this.db, statement),
      );
      const row = rows?.[0];
      if (!row || Number(row.owned) === 0) throw this.fenced();
      if (Number(row.appended) > 0) sendNotices(this.db.$client, [this.op.id]);
      if (required && Number(row.moved) === 0) {
        throw new DomainError(
          'conflict',
          `${this.op.resourceType} ${this.op.resourceId} cannot move to '${w.resource?.status}' from its current state`,
          { id: this.op.resourceId },
        );
      }
      if (locked) {
        const next = row.next as { id: string; kind: string } | null;
        this.next = next ? { id: String(next.id), kind: String(next.kind) } : null;
      } else if (w.settles !== undefined) {
        // A read-only kind never blocks another operation: nobody waits for this one.
        this.next = null;
      }
    } catch (e) {
      this.pending = [...lines, ...this.pending];
      throw e;
    }
  }

  /**
   * A settlement's place in a batch of its shape (settleManySql): its shape and its row as text, or
   * null when a value cannot go as text (it then shares a transaction, not a statement).
   */
  private shapeOf(
    w: FencedWrite,
    opWrite: OpWrite | undefined,
    events: { status: string; message: string }[],
  ): Pick<ShapedSettleRequest, 'shape' | 'row' | 'events'> | null {
    if (!opWrite || opWrite.kind === 'progress' || w.settles === undefined) return null;
    const row: Record<string, string | null> = {
      op: this.op.id,
      token: this.token,
      rid: this.op.resourceId,
    };
    if (opWrite.kind === 'succeed') row.result = opWrite.result;
    if (opWrite.kind === 'fail') row.reason = opWrite.reason;
    let resource: SettleShape['resource'] = null;
    if (w.resource && this.op.resourceType !== 'ai') {
      const type = this.op.resourceType;
      const given: Record<string, unknown> = { ...this.resourceDefaults, ...w.resource.set };
      const setKeys: string[] = [];
      const nullKeys: string[] = [];
      for (const k of Object.keys(given).sort()) {
        const v = given[k];
        if (v === undefined) continue;
        if (v === null) nullKeys.push(k);
        else if (typeof v === 'string' || typeof v === 'number') {
          setKeys.push(k);
          row[`s_${k}`] = String(v);
        } else if (typeof v === 'boolean') {
          setKeys.push(k);
          row[`s_${k}`] = v ? 'true' : 'false';
        } else return null;
      }
      // A generation compare (rollouts) keeps one statement per settlement (not in settleManySql's tests).
      if (w.resource.generation !== undefined || !batchableColumns(type, setKeys)) return null;
      resource = {
        type,
        status: w.resource.status,
        required: w.resource.required,
        setKeys,
        nullKeys,
        generation: false,
      };
    }
    return {
      shape: { op: opWrite.kind, settles: w.settles, resource },
      row,
      events: events.map((e) => ({ status: e.status, message: e.message.slice(0, 4000) })),
    };
  }

  /** Buffers a log line (build output, CLI output); written with the next commit or `flush()`. */
  log(message: string): void {
    this.pending.push(message);
  }

  /** Writes buffered log lines now (a no-op when there are none). */
  async flush(): Promise<void> {
    if (this.pending.length > 0) await this.commitFenced({ events: [] });
  }

  /** Extends the lease; returns false when it was lost (cancelled, or taken over after expiry). */
  async renew(): Promise<{ owned: boolean; cancelRequested: boolean }> {
    const rows = await runStatement(
      this.db,
      renewStatement({ op: this.op.id, token: this.token, leaseS: this.leaseMs / 1000 }),
    );
    return { owned: rows.length > 0, cancelRequested: rows[0]?.cancel_requested_at != null };
  }

  async event(message: string | string[]): Promise<void> {
    const messages = Array.isArray(message) ? message : [message];
    if (messages.length === 0) return;
    await this.commitFenced({ events: messages.map((m) => ({ status: 'running', message: m })) });
  }

  async progress(percent: number, message?: string): Promise<void> {
    await this.commitFenced({
      op: { kind: 'progress', progress: percent },
      events: message ? [{ status: 'running', message }] : [],
    });
  }

  /** A fenced mid-flight resource update (e.g. available_replicas while rolling out). */
  async updateResource(status: StatusOf<T> | null, set: ResourceSet<T>, message?: string): Promise<void> {
    await this.commitFenced({
      resource: { status, set, required: true },
      events: message ? [{ status: 'running', message }] : [],
    });
  }

  async succeed(s: Settlement<T>): Promise<void> {
    if (s.alsoIn) {
      // Arbitrary writes in the settlement's transaction: the general path.
      const alsoIn = s.alsoIn;
      await this.commit(async (tx) => {
        if (s.resourceStatus || s.resourceSet) {
          await applyResourceChange(tx, this.op.resourceType, this.op.resourceId, {
            status: s.resourceStatus ?? null,
            set: { ...this.resourceDefaults, ...s.resourceSet },
            generation: s.generation,
          });
        }
        await alsoIn(tx);
        await this.finishIn(tx, 'succeeded', s.message, null, s.result);
      });
      this.settled = 'succeeded';
      return;
    }
    await this.commitFenced({
      ...(s.resourceStatus || s.resourceSet
        ? {
            resource: {
              status: s.resourceStatus ?? null,
              set: { ...s.resourceSet },
              generation: s.generation,
              required: true,
            },
          }
        : {}),
      op: { kind: 'succeed', result: s.result ? JSON.stringify(s.result) : null },
      events: [{ status: 'succeeded', message: s.message }],
      settles: 'done',
    });
    this.settled = 'succeeded';
  }

  /**
   * Permanent failure: the operation fails with `reason`, and the resource takes its failure status
   * (unless `resourceStatus` says otherwise, or the resource is already gone or moved on: it then
   * keeps its state, and the operation still records why it failed).
   */
  async fail(reason: string, opts: Omit<Settlement<T>, 'message' | 'result'> = {}): Promise<void> {
    const status =
      opts.resourceStatus === undefined ? failureStatusOf(this.op.resourceType) : opts.resourceStatus;
    await this.commitFenced({
      ...(status || opts.resourceSet
        ? {
            resource: {
              status: status ?? null,
              set: { error: reason, ...opts.resourceSet },
              generation: opts.generation,
              required: false,
            },
          }
        : {}),
      op: { kind: 'fail', reason },
      events: [{ status: 'failed', message: reason }],
      settles: 'done',
    });
    this.settled = 'failed';
    this.failedWith = reason;
  }

  /** Hands the operation back (retry later, shutdown): running -> queued, lease cleared. */
  async release(message: string): Promise<void> {
    await this.commitFenced({
      op: { kind: 'release' },
      events: [{ status: 'queued', message }],
      settles: 'released',
    });
    this.settled = 'queued';
  }

  private async finishIn(
    tx: Tx,
    status: 'succeeded' | 'failed',
    message: string,
    error: string | null,
    result?: Record<string, unknown>,
  ): Promise<void> {
    await tx
      .update(operations)
      .set({
        status,
        error,
        result: result ?? null,
        progress: status === 'succeeded' ? 100 : sql`${operations.progress}`,
        leaseToken: null,
        leaseExpiresAt: null,
        finishedAt: sql`now()`,
        updatedAt: sql`now()`,
      })
      .where(eq(operations.id, this.op.id));
    await appendEvent(tx, this.op.id, status, message);
    if (status === 'failed') this.failedWith = error ?? message;
  }
}

/**
 * The oldest queued mutating operation on a resource: the one whose turn comes next once the
 * running one settles (read-only kinds never wait, so they are not in line).
 */
export async function nextInLine(db: Db, resourceId: string): Promise<{ id: string; kind: string } | null> {
  const [next] = await runStatement(db, nextStatement({ resource: resourceId }));
  return next ? { id: String(next.id), kind: String(next.kind) } : null;
}
