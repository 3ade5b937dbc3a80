import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  index,
  jsonb,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { imageStatus } from './enums.ts';
import { users } from './users.ts';

export type ImageSource = { git: string; ref?: string; path?: string } | { path: string };

export const containerImages = pgTable(
  'container_images',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    ownerId: uuid('owner_id')
      .notNull()
      .references(() => users.id),
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
    error: text('error'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    lastUpdated: timestamp('last_updated', { withTimezone: true }).notNull().defaultNow(),
    deletedAt: timestamp('deleted_at', { withTimezone: true }),
  },
  (t) => [
    // name+tag is unique per owner among live images: the second POST is a 409.
    uniqueIndex('container_images_owner_name_tag')
      .on(t.ownerId, t.name, t.tag)
      .where(sql`deleted_at is null`),
    index('container_images_owner_created').on(t.ownerId, t.createdAt),
  ],
);
export type ContainerImage = typeof containerImages.$inferSelect;
