import { randomUUID } from 'node:crypto';
import { InvalidImageReference, imageReferenceOf } from '@slipway/contract/image-reference';
import {
  type ContainerImage,
  clusters,
  containerImages,
  type ImageSource,
  type Operation,
  type OperationEvent,
  operations,
  type Sql,
} from '@slipway/db';
import { parseJobInput } from '@slipway/jobs';
import { and, desc, eq, getTableColumns, isNull, sql, type Table } from 'drizzle-orm';
import { assertCanWrite, ownerFilter } from './access.ts';
import { auditRowWritten, currentAuditScope, pendingAuditRow } from './audit.ts';
import type { Actor, CoreDeps } from './deps.ts';
import { conflict, invalidField, notFound } from './errors.ts';
import {
  IDEMPOTENCY_TTL_HOURS,
  type KeyedWrite,
  keyClaimCtes,
  keyClaimParams,
  keyedWriteTaken,
  pendingKeyedWrite,
} from './idempotency.ts';
import { TurnBatcher } from './operations/group.ts';
import { sendNotices } from './operations/notices.ts';
import { resourceEvents } from './operations/query.ts';
import { dispatch, insertOperation } from './operations/record.ts';
import type { Page, PageQuery } from './pagination.ts';
import { listRows, orDuplicate, withOperations } from './shared.ts';
import { imageMachine } from './status/image.ts';
import { assertTransition } from './status/machine.ts';

export type CreateImageInput = {
  name: string;
  tag: string;
  repository: string;
  description?: string | null | undefined;
  source?: ImageSource | null | undefined;
  dockerfile?: string | null | undefined;
  buildArgs?: Record<string, string> | null | undefined;
  push?: boolean | undefined;
  loadIntoClusterId?: string | null | undefined;
};

export type UpdateImageInput = { tag?: string | undefined; description?: string | null | undefined };

async function findImage(deps: CoreDeps, actor: Actor, id: string): Promise<ContainerImage> {
  const [row] = await deps.db
    .select()
    .from(containerImages)
    .where(
      and(
        eq(containerImages.id, id),
        isNull(containerImages.deletedAt),
        ownerFilter(actor, containerImages.ownerId),
      ),
    );
  if (!row) throw notFound(id);
  return row;
}

/** The live image holding owner + name + tag (their unique index), for the 409 of a duplicate. */
const nameTagHolder = (ownerId: string, name: string, tag: string) => ({
  table: containerImages,
  match: [eq(containerImages.ownerId, ownerId), eq(containerImages.name, name), eq(containerImages.tag, tag)],
});

/**
 * A row of `table` from its `row_to_json()` (keys are column names), decoded the way drizzle decodes
 * the same row from a select (timestamps to Date, bigint to number, jsonb parsed).
 */
function rowFromJson<T>(table: Table, json: Record<string, unknown>): T {
  const out: Record<string, unknown> = {};
  for (const [key, col] of Object.entries(getTableColumns(table))) {
    const v = json[col.name];
    out[key] = v === null || v === undefined ? null : col.mapFromDriverValue(v);
  }
  return out as T;
}

// The whole create as ONE statement (one implicit transaction, one round trip, no reserved
// connection): the image, its image.build operation with the first event, and the audited request's row (status still null: the
// response is not sent yet), exactly the rows withOperations + insertOperation + auditInTransaction
// write, in the same transaction. Ids are made here, so no statement waits for another's result.
// A keyed request (idempotency.ts withKeyedWrite) claims its key in the same statement: the image
// is inserted only with the claim (`from claim`), so key and change commit together. A duplicate
// name + tag inserts nothing (`on conflict do nothing`): the caller answers the 409 as for the unique
// violation it would otherwise be, and a keyed request's claim still commits to store that answer.
const IMAGE_VALUES = `$1::uuid, $2::uuid, $3::text, $4::text, $5::text, $6::text, 'building', $7::text,
          $8::jsonb, $9::text, $10::jsonb, $11::boolean, $12::uuid`;
const createImageWith = (
  claimFrom: number | null,
) => `with ${claimFrom === null ? '' : `${keyClaimCtes(claimFrom)},\n`}img as (
  insert into container_images (id, owner_id, name, tag, repository, description, status, driver,
                                source, dockerfile, build_args, push, load_into_cluster_id)
  ${claimFrom === null ? `values (${IMAGE_VALUES})` : `select ${IMAGE_VALUES} from claim`}
  on conflict do nothing
  returning *
), op as (
  insert into operations (id, owner_id, kind, resource_type, resource_id, input)
  select $13::uuid, img.owner_id, 'image.build', 'container_image'::resource_type, img.id, $14::jsonb from img
  returning *
), ev as (
  insert into operation_events (operation_id, status, message)
  select op.id, 'queued', 'image.build accepted' from op
  returning id
)`;
const CREATE_IMAGE_SELECT = `select (select row_to_json(img) from img) as image,
  (select row_to_json(op) from op) as operation,
  (select count(*) from ev)::int as events`;
const AUDIT_CTE = `, au as (
  insert into audit_log (user_id, action, method, path, resource_id, status_code, request_id)
  select $15::uuid, $16::text, $17::text, $18::text, coalesce($19::text, img.id::text), null, $20::text from img
  returning id
)`;
const KEY_SELECT = `, (select held from key_lock) as key_locked, (select count(*) from claim)::int as claimed`;
/** The statement's text by [audited][keyed]. */
const CREATE_IMAGE = [
  [
    `${createImageWith(null)}\n${CREATE_IMAGE_SELECT}`,
    `${createImageWith(15)}\n${CREATE_IMAGE_SELECT}${KEY_SELECT}`,
  ],
  [
    `${createImageWith(null)}${AUDIT_CTE}\n${CREATE_IMAGE_SELECT}, (select id from au) as audit_id`,
    `${createImageWith(21)}${AUDIT_CTE}\n${CREATE_IMAGE_SELECT}, (select id from au) as audit_id${KEY_SELECT}`,
  ],
] as const;

/** What the unique index on live (owner, name, tag) raises; orDuplicate answers it with the 409. */
function duplicateNameTag(): Error {
  return Object.assign(
    new Error('duplicate key value violates unique constraint "container_images_owner_name_tag"'),
    {
      code: '23505',
    },
  );
}

type CreatedRow = {
  image: Record<string, unknown> | null;
  operation: Record<string, unknown> | null;
  audit_id?: number | string | null;
  key_locked?: boolean;
  claimed?: number;
};

// The keyed, audited creates of one event-loop turn as ONE statement (one commit, one socket write
// and read for all): each request's row of parameters (unnest, `i` its place) goes through exactly
// the CTEs of CREATE_IMAGE[1][1] — its key's two advisory locks and claim, then its image from its
// claim, its operation, first event and audit row — and comes back as the same columns. Rows are
// matched back by their own ids (image id, key; the audit row by the image id it names), so one
// request's rows never stand for another's. A (user, key) already in the batch waits for the next
// batch (a retry of the same request in the same turn must find the first one's locks taken, not
// its own). If the statement fails (one request's values), each runs on its own.
const BATCH_COLUMNS = [
  'img_id',
  'owner_id',
  'name',
  'tag',
  'repository',
  'description',
  'driver',
  'source',
  'dockerfile',
  'build_args',
  'push',
  'load_into_cluster_id',
  'op_id',
  'input',
  'a_user',
  'a_action',
  'a_method',
  'a_path',
  'a_rid',
  'a_request',
  'k_user',
  'k_key',
  'k_hash',
  'k_token',
] as const;
const KEY_OF = `'slipway:idempotency:' || v.k_user::uuid::text || ':' || v.k_key`;
const CREATE_IMAGES_BATCH = `with v as materialized (
  select * from unnest(${BATCH_COLUMNS.map((_, i) => `$${i + 1}::text[]`).join(', ')})
    with ordinality as v(${BATCH_COLUMNS.join(', ')}, i)
), key_lock as materialized (
  select v.i, pg_try_advisory_xact_lock(hashtextextended(${KEY_OF}, 0)) as held from v
), claim as (
  insert into idempotency_keys (user_id, key, request_hash, lock_token, expires_at)
  select v.k_user::uuid, v.k_key, v.k_hash, v.k_token::uuid, now() + make_interval(hours => ${IDEMPOTENCY_TTL_HOURS})
    from v join key_lock l on l.i = v.i
   where l.held and pg_try_advisory_xact_lock(hashtextextended(${KEY_OF} || ':' || v.k_hash, 0))
  on conflict do nothing
  returning user_id, key
), img as (
  insert into container_images (id, owner_id, name, tag, repository, description, status, driver,
                                source, dockerfile, build_args, push, load_into_cluster_id)
  select v.img_id::uuid, v.owner_id::uuid, v.name, v.tag, v.repository, v.description, 'building', v.driver,
         v.source::jsonb, v.dockerfile, v.build_args::jsonb, v.push::boolean, v.load_into_cluster_id::uuid
    from v join claim c on c.user_id = v.k_user::uuid and c.key = v.k_key
   order by v.i
  on conflict do nothing
  returning *
), op as (
  insert into operations (id, owner_id, kind, resource_type, resource_id, input)
  select v.op_id::uuid, img.owner_id, 'image.build', 'container_image'::resource_type, img.id, v.input::jsonb
    from img join v on v.img_id::uuid = img.id
  returning *
), ev as (
  insert into operation_events (operation_id, status, message)
  select op.id, 'queued', 'image.build accepted' from op
  returning id
), au as (
  insert into audit_log (user_id, action, method, path, resource_id, status_code, request_id)
  select v.a_user::uuid, v.a_action, v.a_method, v.a_path, img.id::text, null, v.a_request
    from img join v on v.img_id::uuid = img.id
  returning id, resource_id
)
select v.i,
       (select row_to_json(img) from img where img.id = v.img_id::uuid) as image,
       (select row_to_json(op) from op where op.resource_id = v.img_id::uuid) as operation,
       (select au.id from au where au.resource_id = v.img_id) as audit_id,
       (select l.held from key_lock l where l.i = v.i) as key_locked,
       (select count(*) from claim c where c.user_id = v.k_user::uuid and c.key = v.k_key)::int as claimed
  from v order by v.i`;

/**
 * The keyed creates of one event-loop turn, per pool, as one statement (TurnBatcher); one request
 * per (user, key) in a batch, a second one goes into the next.
 */
const creates = new TurnBatcher<Sql, (string | boolean | null)[], CreatedRow | undefined>({
  name: 'image.create',
  keyOf: (params) => `${params[20]}\n${params[21]}`,
  async one(client, params) {
    const [row] = await client.unsafe<CreatedRow[]>(CREATE_IMAGE[1][1], params, { prepare: true });
    return row;
  },
  async many(client, batch) {
    const cols = BATCH_COLUMNS.map((_, c) =>
      batch.map((params) => {
        const v = params[c];
        return v === null || v === undefined ? null : String(v);
      }),
    );
    const rows = await client.unsafe<(CreatedRow & { i: number | string })[]>(
      CREATE_IMAGES_BATCH,
      cols as never[],
      { prepare: true },
    );
    const byIndex = new Map(rows.map((r) => [Number(r.i), r]));
    return batch.map((_, i) => byIndex.get(i + 1));
  },
});

function createInBatch(client: Sql, params: (string | boolean | null)[]): Promise<CreatedRow | undefined> {
  return creates.submit(client, params);
}

/** createImage's statement; undefined when `deps.db` is not a postgres.js-backed drizzle db. */
async function insertImageStatement(
  deps: CoreDeps,
  actor: Actor,
  input: CreateImageInput,
): Promise<{ image: ContainerImage; operation: Operation } | undefined> {
  const client = (deps.db as { $client?: Sql }).$client;
  if (typeof client?.unsafe !== 'function') return undefined;
  const parsed = parseJobInput('image.build', {});
  if (!parsed.ok) throw new Error(`operation image.build: input does not match its schema (${parsed.issue})`);
  const json = (v: unknown) => (v === null || v === undefined ? null : JSON.stringify(v));
  const params: (string | boolean | null)[] = [
    randomUUID(),
    actor.id,
    input.name,
    input.tag,
    input.repository,
    input.description ?? null,
    deps.driver.images,
    json(input.source),
    input.dockerfile ?? null,
    json(input.buildArgs),
    input.push ?? false,
    input.loadIntoClusterId ?? null,
    randomUUID(),
    JSON.stringify(parsed.input),
  ];
  const audit = pendingAuditRow();
  if (audit)
    params.push(audit.userId, audit.action, audit.method, audit.path, audit.resourceId, audit.requestId);
  const keyed: KeyedWrite | undefined = pendingKeyedWrite();
  if (keyed) params.push(...keyClaimParams(keyed));
  // The API's keyed create (audited, its key claimed here, no resource id in its path) joins the
  // other creates of this event-loop turn in one statement; anything else runs on its own.
  const row =
    audit && keyed && audit.resourceId === null
      ? await createInBatch(client, params)
      : (
          await client.unsafe<CreatedRow[]>(CREATE_IMAGE[audit ? 1 : 0][keyed ? 1 : 0], params, {
            prepare: true,
          })
        )[0];
  if (!row) throw new Error('create image statement returned nothing');
  if (keyed) {
    if (!row.claimed) {
      // The key is taken (the answer is thrown), or was free again and is claimed now: run the
      // statement once more without the claim.
      await keyedWriteTaken(deps, keyed, row.key_locked === true);
      return insertImageStatement(deps, actor, input);
    }
    keyed.claimed = true;
  }
  if (!row.image || !row.operation) throw duplicateNameTag();
  // Committed: wake the live streams (notices.ts).
  sendNotices(client, [String(row.operation.id)]);
  const image = rowFromJson<ContainerImage>(containerImages, row.image);
  if (audit && row.audit_id !== null && row.audit_id !== undefined) {
    auditRowWritten(Number(row.audit_id));
    // The committed row names the image; the audit middleware need not find it in the response.
    const scope = currentAuditScope();
    if (scope && !scope.resourceId) scope.resourceId = image.id;
  }
  return { image, operation: rowFromJson<Operation>(operations, row.operation) };
}

export async function createImage(
  deps: CoreDeps,
  actor: Actor,
  input: CreateImageInput,
): Promise<{ image: ContainerImage; operation: Operation }> {
  assertCanWrite(actor);
  if (input.loadIntoClusterId) {
    const [c] = await deps.db
      .select({ id: clusters.id })
      .from(clusters)
      .where(
        and(
          eq(clusters.id, input.loadIntoClusterId),
          isNull(clusters.deletedAt),
          ownerFilter(actor, clusters.ownerId),
        ),
      );
    if (!c) throw invalidField('load_into_cluster_id', 'cluster not found');
  }
  const one = await orDuplicate(
    deps,
    () => insertImageStatement(deps, actor, input),
    nameTagHolder(actor.id, input.name, input.tag),
  );
  if (one) {
    await dispatch(deps, one.operation);
    return one;
  }
  // Not on postgres.js (no $client): the same rows through drizzle, statement by statement.
  const out = await orDuplicate(
    deps,
    () =>
      withOperations(deps, async (tx) => {
        const [image] = await tx
          .insert(containerImages)
          .values({
            ownerId: actor.id,
            name: input.name,
            tag: input.tag,
            repository: input.repository,
            description: input.description ?? null,
            status: 'building',
            driver: deps.driver.images,
            source: input.source ?? null,
            dockerfile: input.dockerfile ?? null,
            buildArgs: input.buildArgs ?? null,
            push: input.push ?? false,
            loadIntoClusterId: input.loadIntoClusterId ?? null,
          })
          .returning();
        if (!image) throw new Error('insert returned nothing');
        const op = await insertOperation(tx, {
          ownerId: actor.id,
          kind: 'image.build',
          resourceType: 'container_image',
          resourceId: image.id,
        });
        return { image, operation: op, operations: [op] };
      }),
    nameTagHolder(actor.id, input.name, input.tag),
  );
  return { image: out.image, operation: out.operation };
}

export const getImage = findImage;

export function listImages(deps: CoreDeps, actor: Actor, q: PageQuery): Promise<Page<ContainerImage>> {
  return listRows<ContainerImage>(deps, actor, containerImages, q);
}

/** A new tag retags the built image (an operation); a description change alone is immediate. */
export async function updateImage(
  deps: CoreDeps,
  actor: Actor,
  id: string,
  input: UpdateImageInput,
): Promise<{ image: ContainerImage; operation: Operation | null }> {
  assertCanWrite(actor);
  const cur = await findImage(deps, actor, id);
  const retag = input.tag !== undefined && input.tag !== cur.tag;
  if (retag) assertTransition(imageMachine, 'image', id, cur.status, 'building');
  return orDuplicate(
    deps,
    () =>
      withOperations(deps, async (tx) => {
        const [image] = await tx
          .update(containerImages)
          .set({
            ...(input.description !== undefined ? { description: input.description } : {}),
            ...(retag ? { tag: input.tag, status: 'building' as const, error: null } : {}),
            lastUpdated: new Date(),
          })
          .where(
            and(
              eq(containerImages.id, id),
              eq(containerImages.status, cur.status),
              isNull(containerImages.deletedAt),
            ),
          )
          .returning();
        if (!image) throw conflict(id, 'Image changed concurrently; retry');
        const ops: Operation[] = [];
        if (retag) {
          ops.push(
            await insertOperation(tx, {
              ownerId: cur.ownerId,
              kind: 'image.retag',
              resourceType: 'container_image',
              resourceId: id,
              input: { fromTag: cur.tag, toTag: input.tag, previousStatus: cur.status },
            }),
          );
        }
        return { image, operation: ops[0] ?? null, operations: ops };
      }),
    nameTagHolder(cur.ownerId, cur.name, input.tag ?? cur.tag),
  );
}

/** The reference the image was built as; null when its fields cannot form one (nothing was built). */
function engineRefOf(image: Pick<ContainerImage, 'repository' | 'name' | 'tag'>): string | null {
  try {
    return imageReferenceOf(image);
  } catch (e) {
    if (e instanceof InvalidImageReference) return null;
    throw e;
  }
}

/** Soft-deletes at once (GET is then 404); removing it from the engine continues as an operation. */
export async function deleteImage(
  deps: CoreDeps,
  actor: Actor,
  id: string,
): Promise<{ operation: Operation }> {
  assertCanWrite(actor);
  const cur = await findImage(deps, actor, id);
  const out = await withOperations(deps, async (tx) => {
    const [gone] = await tx
      .update(containerImages)
      .set({ deletedAt: new Date(), lastUpdated: new Date() })
      .where(and(eq(containerImages.id, id), isNull(containerImages.deletedAt)))
      .returning({ id: containerImages.id });
    if (!gone) throw notFound(id);
    const op = await insertOperation(tx, {
      ownerId: cur.ownerId,
      kind: 'image.delete',
      resourceType: 'container_image',
      resourceId: id,
      input: { ref: engineRefOf(cur) },
    });
    return { operation: op, operations: [op] };
  });
  return { operation: out.operation };
}

/** The build log: every event of the image's build and retag operations. */
export async function imageLogs(deps: CoreDeps, actor: Actor, id: string): Promise<OperationEvent[]> {
  await findImage(deps, actor, id);
  return resourceEvents(deps, id, ['image.build', 'image.retag']);
}

/** Worker side: an owner's live images, newest first (the AI deploy planner picks one for a chart). */
export async function listImagesForWorker(
  deps: CoreDeps,
  ownerId: string,
): Promise<Pick<ContainerImage, 'name' | 'tag' | 'repository' | 'status'>[]> {
  return deps.db
    .select({
      name: containerImages.name,
      tag: containerImages.tag,
      repository: containerImages.repository,
      status: containerImages.status,
    })
    .from(containerImages)
    .where(and(eq(containerImages.ownerId, ownerId), isNull(containerImages.deletedAt)))
    .orderBy(desc(containerImages.createdAt))
    .limit(500);
}

const loadForWorker = new WeakMap<
  CoreDeps['db'],
  { execute(v: { id: string }): Promise<ContainerImage[]> }
>();

/**
 * Worker side: the image row regardless of owner or deletion. A drizzle prepared query built once per
 * pool (every image build reads it: no query building, and postgres.js sends Bind+Execute only).
 */
export async function loadImageForWorker(deps: CoreDeps, id: string): Promise<ContainerImage | null> {
  let q = loadForWorker.get(deps.db);
  if (!q) {
    q = deps.db
      .select()
      .from(containerImages)
      .where(eq(containerImages.id, sql.placeholder('id')))
      .prepare('load_image_for_worker');
    loadForWorker.set(deps.db, q);
  }
  const [row] = await q.execute({ id });
  return row ?? null;
}
