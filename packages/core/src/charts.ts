import { type HelmChart, helmCharts, type Operation } from '@slipway/db';
import { and, eq, isNull } from 'drizzle-orm';
import { assertCanWrite, ownerFilter } from './access.ts';
import type { Actor, CoreDeps } from './deps.ts';
import { conflict, notFound } from './errors.ts';
import { insertOperation } from './operations/record.ts';
import type { Page, PageQuery } from './pagination.ts';
import { movableTo } from './resources.ts';
import { listRows, orDuplicate, withOperations } from './shared.ts';
import { chartMachine } from './status/chart.ts';
import { assertTransition } from './status/machine.ts';

export type CreateChartInput = {
  name: string;
  version: string;
  description?: string | null | undefined;
  appVersion?: string | null | undefined;
};
export type UpdateChartInput = Partial<CreateChartInput>;

async function findChart(deps: CoreDeps, actor: Actor, id: string): Promise<HelmChart> {
  const [row] = await deps.db
    .select()
    .from(helmCharts)
    .where(and(eq(helmCharts.id, id), isNull(helmCharts.deletedAt), ownerFilter(actor, helmCharts.ownerId)));
  if (!row) throw notFound(id);
  return row;
}

/** The live chart holding owner + name + version (their unique index), for the 409 of a duplicate. */
const nameVersionHolder = (ownerId: string, name: string, version: string) => ({
  table: helmCharts,
  match: [eq(helmCharts.ownerId, ownerId), eq(helmCharts.name, name), eq(helmCharts.version, version)],
});

export async function createChart(
  deps: CoreDeps,
  actor: Actor,
  input: CreateChartInput,
): Promise<{ chart: HelmChart; operation: Operation }> {
  assertCanWrite(actor);
  const out = await orDuplicate(
    deps,
    () =>
      withOperations(deps, async (tx) => {
        const [chart] = await tx
          .insert(helmCharts)
          .values({
            ownerId: actor.id,
            name: input.name,
            version: input.version,
            description: input.description ?? null,
            appVersion: input.appVersion ?? null,
            status: 'validating',
            driver: deps.driver.charts,
          })
          .returning();
        if (!chart) throw new Error('insert returned nothing');
        const op = await insertOperation(tx, {
          ownerId: actor.id,
          kind: 'chart.validate',
          resourceType: 'helm_chart',
          resourceId: chart.id,
        });
        return { chart, operation: op, operations: [op] };
      }),
    nameVersionHolder(actor.id, input.name, input.version),
  );
  return { chart: out.chart, operation: out.operation };
}

export const getChart = findChart;

export function listCharts(deps: CoreDeps, actor: Actor, q: PageQuery): Promise<Page<HelmChart>> {
  return listRows<HelmChart>(deps, actor, helmCharts, q);
}

/** Any change to what the chart renders re-validates it (validating, with an operation). */
export async function updateChart(
  deps: CoreDeps,
  actor: Actor,
  id: string,
  input: UpdateChartInput & { content?: Buffer | undefined },
): Promise<{ chart: HelmChart; operation: Operation }> {
  assertCanWrite(actor);
  const cur = await findChart(deps, actor, id);
  assertTransition(chartMachine, 'helm chart', id, cur.status, 'validating');
  return orDuplicate(
    deps,
    () =>
      withOperations(deps, async (tx) => {
        // Compare-and-set through the machine: any change re-validates, from a status that may.
        const [chart] = await tx
          .update(helmCharts)
          .set({
            ...(input.name !== undefined ? { name: input.name } : {}),
            ...(input.version !== undefined ? { version: input.version } : {}),
            ...(input.description !== undefined ? { description: input.description } : {}),
            ...(input.appVersion !== undefined ? { appVersion: input.appVersion } : {}),
            ...(input.content !== undefined ? { content: input.content } : {}),
            status: 'validating',
            findings: [],
            error: null,
            lastUpdated: new Date(),
          })
          .where(movableTo('helm_chart', id, 'validating'))
          .returning();
        if (!chart) throw conflict(id, "Helm chart changed concurrently; cannot move it to 'validating'");
        const op = await insertOperation(tx, {
          ownerId: cur.ownerId,
          kind: 'chart.validate',
          resourceType: 'helm_chart',
          resourceId: id,
          input: { reason: input.content !== undefined ? 'upload' : 'update' },
        });
        return { chart, operation: op, operations: [op] };
      }),
    nameVersionHolder(cur.ownerId, input.name ?? cur.name, input.version ?? cur.version),
  );
}

/** A chart lives only in Slipway's database: deleting it needs no operation. */
export async function deleteChart(deps: CoreDeps, actor: Actor, id: string): Promise<void> {
  assertCanWrite(actor);
  await findChart(deps, actor, id);
  await deps.db
    .update(helmCharts)
    .set({ deletedAt: new Date(), lastUpdated: new Date() })
    .where(eq(helmCharts.id, id));
}

export async function loadChartForWorker(deps: CoreDeps, id: string): Promise<HelmChart | null> {
  const [row] = await deps.db.select().from(helmCharts).where(eq(helmCharts.id, id));
  return row ?? null;
}
