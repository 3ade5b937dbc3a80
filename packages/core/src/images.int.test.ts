import { auditLog, containerImages, operationEvents, operations } from '@slipway/db';
import { createTestDatabase, insertUser, type TestDatabase } from '@slipway/testing';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AuditScope, withAuditScope } from './audit.ts';
import type { Actor, CoreDeps } from './deps.ts';
import { DomainError } from './errors.ts';
import { createImage } from './images.ts';
import { EVENTS_CHANNEL } from './operations/watch.ts';

// createImage writes everything in one statement (image, operation, first event, audit row), then
// wakes the live streams after it committed (operations/notices.ts):
// the rows must be the ones the drizzle path wrote, decoded exactly as a drizzle select decodes them.
let t: TestDatabase;
let deps: CoreDeps;
let actor: Actor;
beforeAll(async () => {
  t = await createTestDatabase();
  const u = await insertUser(t.db);
  actor = { id: u.id, role: u.role };
  deps = {
    db: t.db,
    driver: { images: 'sandbox', clusters: 'sandbox', workloads: 'sandbox', charts: 'sandbox' },
  };
});
afterAll(() => t?.drop());

const scopeFor = (requestId: string): AuditScope => ({
  userId: actor.id,
  action: 'POST /api/container-images',
  method: 'POST',
  path: '/api/container-images',
  resourceId: null,
  requestId,
});

describe('createImage: one statement', () => {
  it('returns the rows as a select reads them, with the first event, the notification and the audit row', async () => {
    const notices: string[] = [];
    const listening = await t.sql.listen(EVENTS_CHANNEL, (p) => notices.push(p));
    const scope = scopeFor('img-one-statement');
    const { image, operation } = await withAuditScope(scope, () =>
      createImage(deps, actor, {
        name: 'one',
        tag: 'v1',
        repository: 'docker.io/acme',
        description: 'an image',
        source: { git: 'https://github.com/acme/app.git', ref: 'main' },
        dockerfile: 'Dockerfile.prod',
        buildArgs: { A: '1', B: 'two words' },
        push: true,
      }),
    );
    const [selected] = await t.db.select().from(containerImages).where(eq(containerImages.id, image.id));
    expect(image).toEqual(selected);
    expect(image).toMatchObject({
      ownerId: actor.id,
      status: 'building',
      driver: 'sandbox',
      size: 0,
      source: { git: 'https://github.com/acme/app.git', ref: 'main' },
      buildArgs: { A: '1', B: 'two words' },
      push: true,
      loadIntoClusterId: null,
      deletedAt: null,
    });
    expect(image.createdAt).toBeInstanceOf(Date);
    const [op] = await t.db.select().from(operations).where(eq(operations.id, operation.id));
    expect(operation).toEqual(op);
    expect(operation).toMatchObject({
      kind: 'image.build',
      resourceType: 'container_image',
      resourceId: image.id,
      status: 'queued',
      ownerId: actor.id,
    });
    const events = await t.db
      .select()
      .from(operationEvents)
      .where(eq(operationEvents.operationId, op?.id ?? ''));
    expect(events.map((e) => [e.status, e.message])).toEqual([['queued', 'image.build accepted']]);
    // The audit row is in the same transaction (same now()), status null until the response.
    const audit = await t.db.select().from(auditLog).where(eq(auditLog.requestId, 'img-one-statement'));
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ userId: actor.id, resourceId: image.id, statusCode: null });
    expect(audit[0]?.at.getTime()).toBe(image.createdAt.getTime());
    expect(scope.rowId).toBe(audit[0]?.id);
    for (let i = 0; i < 100 && notices.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    await listening.unlisten();
    expect(notices.map((n) => JSON.parse(n))).toContainEqual({
      op: operation.id,
      owner: actor.id,
      type: 'container_image',
      rid: image.id,
    });
  });

  it('a duplicate name+tag is the 409 naming the live image, and leaves no operation or audit row', async () => {
    const first = await createImage(deps, actor, { name: 'dup', tag: 'v1', repository: 'docker.io/acme' });
    const opsBefore = await t.db.select().from(operations);
    const scope = scopeFor('img-duplicate');
    const err = await withAuditScope(scope, () =>
      createImage(deps, actor, { name: 'dup', tag: 'v1', repository: 'docker.io/acme' }),
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DomainError);
    expect(err).toMatchObject({ code: 'conflict', id: first.image.id });
    expect(await t.db.select().from(operations)).toHaveLength(opsBefore.length);
    expect(await t.db.select().from(auditLog).where(eq(auditLog.requestId, 'img-duplicate'))).toEqual([]);
    // Nothing was written, so the audit middleware writes the refusal's row itself.
    expect(scope.rowId).toBeUndefined();
  });

  it('outside an audited request it writes no audit row', async () => {
    const before = await t.db.select().from(auditLog);
    const { image } = await createImage(deps, actor, {
      name: 'quiet',
      tag: 'v1',
      repository: 'docker.io/acme',
    });
    expect(image.name).toBe('quiet');
    expect(await t.db.select().from(auditLog)).toHaveLength(before.length);
  });
});
