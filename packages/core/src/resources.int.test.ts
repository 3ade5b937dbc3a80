import { containerImages, helmCharts } from '@slipway/db';
import { createTestDatabase, insertUser, type TestDatabase } from '@slipway/testing';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { movableTo, transitionResource } from './resources.ts';

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

  it('rejects at run time a column the compiler would have refused', async () => {
    const row = await image('building');
    await expect(
      // @ts-expect-error owner_id is not a settlement column (and not even drizzle's name for it)
      transitionResource(t.db, 'container_image', row.id, 'built', { owner_id: 'x' }),
    ).rejects.toThrow(/owner_id is not a column a settlement may write/);
  });
});
