import { bigint, boolean, jsonb, pgTable, text, uuid } from 'drizzle-orm/pg-core';
import { resourceIdentity, resourceIndexes, resourceTrail } from './columns.ts';
import { imageStatus } from './enums.ts';

export type ImageSource = { git: string; ref?: string; path?: string } | { path: string };

export const containerImages = pgTable(
  'container_images',
  {
    ...resourceIdentity(),
    name: text('name').notNull(),
    tag: text('tag').notNull(),
    repository: text('repository').notNull(),
    description: text('description'),
    size: bigint('size', { mode: 'number' }).notNull().default(0),
    digest: text('digest'),
    imageId: text('image_id'),
    status: imageStatus('status').notNull().default('building'),
    driver: text('driver').notNull(),
    source: jsonb('source').$type<ImageSource>(),
    dockerfile: text('dockerfile'),
    buildArgs: jsonb('build_args').$type<Record<string, string>>(),
    push: boolean('push').notNull().default(false),
    loadIntoClusterId: uuid('load_into_cluster_id'),
    ...resourceTrail(),
  },
  // name+tag is unique per owner among live images: the second POST is a 409.
  (t) => resourceIndexes('container_images', { name: 'owner_name_tag', on: [t.ownerId, t.name, t.tag] }, t),
);
export type ContainerImage = typeof containerImages.$inferSelect;
