import { createTestDatabase, insertUser, type TestDatabase } from '@slipway/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CoreDeps, silentLogger } from '../deps.ts';
import { createImage, loadImageForWorker } from '../images.ts';
import { claimOperation } from './lease.ts';

let t: TestDatabase;
let deps: CoreDeps;

beforeAll(async () => {
  t = await createTestDatabase();
  deps = {
    db: t.db,
    driver: { images: 'sandbox', clusters: 'sandbox', workloads: 'sandbox', charts: 'sandbox' },
    log: silentLogger,
  };
});
afterAll(() => t?.drop());

describe('claimOperation readResource', () => {
  it('reads the resource row in the claim’s transaction, as drizzle reads it', async () => {
    const u = await insertUser(t.db, 'operator');
    const { image, operation } = await createImage(
      deps,
      { id: u.id, role: 'operator' },
      {
        name: 'app',
        tag: 'v1',
        repository: 'r.local/acme',
        buildArgs: { A: '1' },
      },
    );
    const claim = await claimOperation(t.db, operation.id, {
      leaseMs: 30_000,
      workerId: 'w',
      readResource: 'container_image',
    });
    if (claim.outcome !== 'claimed') throw new Error(`not claimed: ${claim.outcome}`);
    expect(claim.lease.resource).toEqual(await loadImageForWorker(deps, image.id));
    expect(claim.lease.resource).toMatchObject({ id: image.id, buildArgs: { A: '1' } });
    expect(claim.lease.resource?.createdAt).toBeInstanceOf(Date);

    // Not asked for: not read. Another table's type than the operation's: not taken for its row.
    const other = await createImage(
      deps,
      { id: u.id, role: 'operator' },
      { name: 'b', tag: 'v1', repository: 'r.local/acme' },
    );
    const plain = await claimOperation(t.db, other.operation.id, { leaseMs: 30_000, workerId: 'w' });
    if (plain.outcome !== 'claimed') throw new Error(`not claimed: ${plain.outcome}`);
    expect(plain.lease.resource).toBeUndefined();
    const third = await createImage(
      deps,
      { id: u.id, role: 'operator' },
      { name: 'c', tag: 'v1', repository: 'r.local/acme' },
    );
    const wrong = await claimOperation(t.db, third.operation.id, {
      leaseMs: 30_000,
      workerId: 'w',
      readResource: 'helm_chart',
    });
    if (wrong.outcome !== 'claimed') throw new Error(`not claimed: ${wrong.outcome}`);
    expect(wrong.lease.resource).toBeUndefined();
  });

  it('a deleted resource row is still read (regardless of deletion, like loadImageForWorker)', async () => {
    const u = await insertUser(t.db, 'operator');
    const { image, operation } = await createImage(
      deps,
      { id: u.id, role: 'operator' },
      {
        name: 'gone',
        tag: 'v1',
        repository: 'r.local/acme',
      },
    );
    await t.sql`update container_images set deleted_at = now() where id = ${image.id}`;
    const claim = await claimOperation(t.db, operation.id, {
      leaseMs: 30_000,
      workerId: 'w',
      readResource: 'container_image',
    });
    if (claim.outcome !== 'claimed') throw new Error(`not claimed: ${claim.outcome}`);
    expect(claim.lease.resource?.deletedAt).toBeInstanceOf(Date);
  });
});
