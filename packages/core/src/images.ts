import { InvalidImageReference, imageReferenceOf } from '@slipway/contract/image-reference';
import {
  type ContainerImage,
  clusters,
  containerImages,
  type ImageSource,
  type Operation,
  type OperationEvent,
} from '@slipway/db';
import { and, desc, eq, isNull } from 'drizzle-orm';
import { assertCanWrite, ownerFilter } from './access.ts';
import type { Actor, CoreDeps } from './deps.ts';
import { conflict, invalidField, notFound } from './errors.ts';
import { resourceEvents } from './operations/query.ts';
import { insertOperation } from './operations/record.ts';
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

/** Worker side: the image row regardless of owner or deletion. */
export async function loadImageForWorker(deps: CoreDeps, id: string): Promise<ContainerImage | null> {
  const [row] = await deps.db.select().from(containerImages).where(eq(containerImages.id, id));
  return row ?? null;
}
