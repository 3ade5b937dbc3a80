import { createTestDatabase, insertUser, type TestDatabase } from '@slipway/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CoreDeps, silentLogger } from '../deps.ts';
import { createImage, loadImageForWorker } from '../images.ts';
import { type ClaimOptions, claimOperation } from './lease.ts';

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

/** An image (and its build operation) of a fresh operator. */
async function newImage(input: Parameters<typeof createImage>[2]) {
  const u = await insertUser(t.db, 'operator');
  return createImage(deps, { id: u.id, role: 'operator' }, input);
}

/** Claims `operationId`; anything but `claimed` fails the test. */
async function claim(operationId: string, opts: Partial<ClaimOptions> = {}) {
  const c = await claimOperation(t.db, operationId, { leaseMs: 30_000, workerId: 'w', ...opts });
  if (c.outcome !== 'claimed') throw new Error(`not claimed: ${c.outcome}`);
  return c.lease;
}

describe('claimOperation readResource', () => {
  it('reads the resource row in the claim’s transaction, as drizzle reads it', async () => {
    const { image, operation } = await newImage({
      name: 'app',
      tag: 'v1',
      repository: 'r.local/acme',
      buildArgs: { A: '1' },
    });
    const lease = await claim(operation.id, { readResource: 'container_image' });
    expect(lease.resource).toEqual(await loadImageForWorker(deps, image.id));
    expect(lease.resource).toMatchObject({ id: image.id, buildArgs: { A: '1' } });
    expect(lease.resource?.createdAt).toBeInstanceOf(Date);

    // Not asked for: not read. Another table's type than the operation's: not taken for its row.
    const other = await newImage({ name: 'b', tag: 'v1', repository: 'r.local/acme' });
    expect((await claim(other.operation.id)).resource).toBeUndefined();
    const third = await newImage({ name: 'c', tag: 'v1', repository: 'r.local/acme' });
    expect((await claim(third.operation.id, { readResource: 'helm_chart' })).resource).toBeUndefined();
  });

  it('a deleted resource row is still read (regardless of deletion, like loadImageForWorker)', async () => {
    const { image, operation } = await newImage({ name: 'gone', tag: 'v1', repository: 'r.local/acme' });
    await t.sql`update container_images set deleted_at = now() where id = ${image.id}`;
    const lease = await claim(operation.id, { readResource: 'container_image' });
    expect(lease.resource?.deletedAt).toBeInstanceOf(Date);
  });
});
