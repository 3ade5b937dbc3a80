import { sql } from 'drizzle-orm';
import { customType, index, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { chartStatus } from './enums.ts';
import { users } from './users.ts';

const bytea = customType<{ data: Buffer; driverData: Buffer }>({ dataType: () => 'bytea' });

export type ChartFinding = { severity: 'error' | 'warning' | 'info'; message: string; path?: string };

export const helmCharts = pgTable(
  'helm_charts',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    ownerId: uuid('owner_id')
      .notNull()
      .references(() => users.id),
    name: text('name').notNull(),
    version: text('version').notNull(),
    description: text('description'),
    appVersion: text('app_version'),
    status: chartStatus('status').notNull().default('validating'),
    driver: text('driver').notNull(),
    // Which validator judged the chart: "helm" (lint --strict + template) or "structural".
    validator: text('validator'),
    findings: jsonb('findings').$type<ChartFinding[]>().notNull().default([]),
    // An uploaded .tgz (PUT /content); null means "scaffold from this record".
    content: bytea('content'),
    error: text('error'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    lastUpdated: timestamp('last_updated', { withTimezone: true }).notNull().defaultNow(),
    deletedAt: timestamp('deleted_at', { withTimezone: true }),
  },
  (t) => [
    uniqueIndex('helm_charts_owner_name_version')
      .on(t.ownerId, t.name, t.version)
      .where(sql`deleted_at is null`),
    index('helm_charts_owner_created').on(t.ownerId, t.createdAt),
  ],
);
export type HelmChart = typeof helmCharts.$inferSelect;
