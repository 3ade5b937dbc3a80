import {
  clusters,
  containerImages,
  deployments,
  helmCharts,
  type ResourceType,
  services,
  type Tx,
} from '@slipway/db';
import { sql } from 'drizzle-orm';
import { DomainError } from './errors.ts';
import {
  chartMachine,
  clusterMachine,
  deploymentMachine,
  imageMachine,
  serviceMachine,
} from './status/index.ts';
import { allowedFrom, type Machine } from './status/machine.ts';

type ManagedType = Exclude<ResourceType, 'ai'>;

export const resourceTables = {
  container_image: {
    table: containerImages,
    name: 'container_images',
    machine: imageMachine as Machine<string>,
    failed: 'failed',
  },
  helm_chart: {
    table: helmCharts,
    name: 'helm_charts',
    machine: chartMachine as Machine<string>,
    failed: 'invalid',
  },
  minikube_cluster: {
    table: clusters,
    name: 'minikube_clusters',
    machine: clusterMachine as Machine<string>,
    failed: 'error',
  },
  deployment: {
    table: deployments,
    name: 'deployments',
    machine: deploymentMachine as Machine<string>,
    failed: 'failed',
  },
  service: {
    table: services,
    name: 'services',
    machine: serviceMachine as Machine<string>,
    failed: 'failed',
  },
} as const;

/** Column values in snake_case, as stored. */
export type ColumnSet = Record<string, string | number | boolean | null | Date | object>;

/**
 * Compare-and-set on a resource: moves it to `to` only from a status that may move there, and only
 * while it is not deleted. Zero rows is an error, never a silent overwrite.
 */
export async function transitionResource(
  tx: Tx,
  type: ManagedType,
  id: string,
  to: string | null,
  set: ColumnSet = {},
): Promise<Record<string, unknown>> {
  const def = resourceTables[type];
  const assignments = [sql`last_updated = now()`];
  if (to) assignments.push(sql`status = ${to}`);
  for (const [k, v] of Object.entries(set)) {
    if (!/^[a-z_]+$/.test(k)) throw new Error(`bad column ${k}`);
    const isJson = v !== null && typeof v === 'object' && !(v instanceof Date);
    assignments.push(
      isJson ? sql`${sql.identifier(k)} = ${JSON.stringify(v)}::jsonb` : sql`${sql.identifier(k)} = ${v}`,
    );
  }
  const from = to ? allowedFrom(def.machine, to) : Object.keys(def.machine);
  const rows = (await tx.execute(sql`
    update ${sql.identifier(def.name)} set ${sql.join(assignments, sql`, `)}
    where id = ${id} and deleted_at is null
      and status::text in (${sql.join(
        from.map((s) => sql`${s}`),
        sql`, `,
      )})
    returning *`)) as unknown as Record<string, unknown>[];
  const row = rows[0];
  if (!row) {
    throw new DomainError('conflict', `${type} ${id} cannot move to '${to}' from its current state`, { id });
  }
  return row;
}

/** The status a resource takes when its operation fails or is cancelled. */
export function failureStatusOf(type: ResourceType): string | null {
  return type === 'ai' ? null : resourceTables[type].failed;
}
