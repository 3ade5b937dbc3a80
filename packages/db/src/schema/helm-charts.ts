import { customType, jsonb, pgTable, text } from 'drizzle-orm/pg-core';
import { resourceIdentity, resourceIndexes, resourceTrail } from './columns.ts';
import { chartStatus } from './enums.ts';

const bytea = customType<{ data: Buffer; driverData: Buffer }>({ dataType: () => 'bytea' });

export type ChartFinding = { severity: 'error' | 'warning' | 'info'; message: string; path?: string };

export const helmCharts = pgTable(
  'helm_charts',
  {
    ...resourceIdentity(),
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
    ...resourceTrail(),
  },
  (t) =>
    resourceIndexes('helm_charts', { name: 'owner_name_version', on: [t.ownerId, t.name, t.version] }, t),
);
export type HelmChart = typeof helmCharts.$inferSelect;
