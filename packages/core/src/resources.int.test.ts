import { clusters, containerImages, deployments, helmCharts } from '@slipway/db';
import { createTestDatabase, insertUser, type TestDatabase } from '@slipway/testing';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyResourceChange, movableTo, transitionResource } from './resources.ts';

// The typed compare-and-sets against real Postgres: the machine decides which rows may move.
let t: TestDatabase;
let ownerId: string;
beforeAll(async () => {
  t = await createTestDatabase();
  ownerId = (await insertUser(t.db)).id;
});
afterAll(() => t?.drop());

async function image(status: 'building' | 'built' | 'failed') {
  const [row] = await t.db
    .insert(containerImages)
    .values({
      ownerId,
      name: `img-${Math.random().toString(36).slice(2, 8)}`,
      tag: 'v1',
      repository: 'r',
      status,
      driver: 'sandbox',
    })
    .returning();
  if (!row) throw new Error('insert returned nothing');
  return row;
}

describe('resource compare-and-sets through the status machine', () => {
  it('movableTo matches a row only from a status its machine lets move to the target', async () => {
    const building = await image('building');
    const failed = await image('failed');
    // image: built is reachable from building only (failed -> built is not a move).
    for (const [row, moves] of [
      [building, 1],
      [failed, 0],
    ] as const) {
      const updated = await t.db
        .update(containerImages)
        .set({ status: 'built' })
        .where(movableTo('container_image', row.id, 'built'))
        .returning({ id: containerImages.id });
      expect(updated).toHaveLength(moves);
    }
    await t.db
      .update(containerImages)
      .set({ deletedAt: new Date() })
      .where(eq(containerImages.id, building.id));
    const gone = await t.db
      .update(containerImages)
      .set({ status: 'building' })
      .where(movableTo('container_image', building.id, 'building'))
      .returning({ id: containerImages.id });
    expect(gone).toHaveLength(0);
  });

  it('transitionResource writes typed columns (jsonb included) and refuses a forbidden move with a conflict', async () => {
    const [chart] = await t.db
      .insert(helmCharts)
      .values({ ownerId, name: 'c', version: '1', status: 'validating', driver: 'sandbox' })
      .returning();
    if (!chart) throw new Error('insert returned nothing');
    const findings = [{ severity: 'warning' as const, message: 'no icon', path: 'Chart.yaml' }];
    await transitionResource(t.db, 'helm_chart', chart.id, 'valid', {
      validator: 'helm',
      findings,
      error: null,
    });
    const [after] = await t.db.select().from(helmCharts).where(eq(helmCharts.id, chart.id));
    expect(after).toMatchObject({ status: 'valid', validator: 'helm', findings });
    // valid -> invalid is not a move (a chart is re-validated through `validating`).
    await expect(transitionResource(t.db, 'helm_chart', chart.id, 'invalid')).rejects.toMatchObject({
      code: 'conflict',
    });
  });

  it('latest generation wins inside the settling UPDATE: an older generation writes columns, not the status', async () => {
    const [cluster] = await t.db
      .insert(clusters)
      .values({
        ownerId,
        name: 'gen',
        cpus: 1,
        memory: 1,
        diskSize: 1,
        kubernetesVersion: 'v1.30.0',
        status: 'running',
        driver: 'sandbox',
      })
      .returning();
    if (!cluster) throw new Error('insert returned nothing');
    const [dep] = await t.db
      .insert(deployments)
      .values({
        ownerId,
        clusterId: cluster.id,
        name: 'gen',
        replicas: 5,
        image: 'a/b:1',
        containerPort: 80,
        status: 'scaling',
        generation: 3,
        driver: 'sandbox',
      })
      .returning();
    if (!dep) throw new Error('insert returned nothing');
    const read = async () => (await t.db.select().from(deployments).where(eq(deployments.id, dep.id)))[0];
    // Generation 2 finished after generation 3 was recorded: its replicas count, its status does not.
    await applyResourceChange(t.db, 'deployment', dep.id, {
      status: 'running',
      set: { availableReplicas: 3 },
      generation: 2,
    });
    expect(await read()).toMatchObject({ status: 'scaling', availableReplicas: 3 });
    // Even a status its machine would not allow from here does not make the older one fail.
    await t.db.update(deployments).set({ status: 'updating' }).where(eq(deployments.id, dep.id));
    await applyResourceChange(t.db, 'deployment', dep.id, { status: 'failed', generation: 1 });
    expect((await read())?.status).toBe('updating');
    // The operation carrying generation 3 decides; one without a generation (an old payload) too.
    await applyResourceChange(t.db, 'deployment', dep.id, { status: 'running', generation: 3 });
    expect((await read())?.status).toBe('running');
    await applyResourceChange(t.db, 'deployment', dep.id, { status: 'failed' });
    expect((await read())?.status).toBe('failed');
  });

  it('rejects at run time a column the compiler would have refused', async () => {
    const row = await image('building');
    await expect(
      // @ts-expect-error owner_id is not a settlement column (and not even drizzle's name for it)
      transitionResource(t.db, 'container_image', row.id, 'built', { owner_id: 'x' }),
    ).rejects.toThrow(/owner_id is not a column a settlement may write/);
  });
});
