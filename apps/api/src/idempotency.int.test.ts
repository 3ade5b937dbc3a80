import { createHash, randomUUID } from 'node:crypto';
import { completeIdempotencyKey, IDEMPOTENCY_LOCK_TIMEOUT_S } from '@slipway/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApi, type TestApi, uniqueName } from './test-helpers.ts';

let api: TestApi;
beforeAll(async () => {
  api = await createTestApi();
});
afterAll(async () => {
  await api?.close();
});

describe('Idempotency-Key', () => {
  it('replays the first response (status, body, Location) with Idempotent-Replayed', async () => {
    const key = uniqueName('key');
    const body = { name: uniqueName('idem'), repository: 'docker.io/acme' };
    const first = await api.call('POST', '/api/container-images', {
      token: api.alice.token,
      body,
      headers: { 'Idempotency-Key': key },
    });
    expect(first.status).toBe(201);
    expect(first.headers.get('Idempotent-Replayed')).toBeNull();
    const second = await api.call('POST', '/api/container-images', {
      token: api.alice.token,
      body,
      headers: { 'Idempotency-Key': key },
    });
    expect(second.status).toBe(201);
    expect(second.body).toEqual(first.body);
    expect(second.headers.get('Idempotent-Replayed')).toBe('true');
    expect(second.headers.get('Location')).toBe(first.headers.get('Location'));
    const list = await api.call<{ total: number }>('GET', `/api/container-images?name=${body.name}`, {
      token: api.alice.token,
    });
    expect(list.body.total).toBe(1);
    // Keys are per user: bob's identical request is his own.
    const bob = await api.call('POST', '/api/container-images', {
      token: api.bob.token,
      body,
      headers: { 'Idempotency-Key': key },
    });
    expect(bob.status).toBe(201);
    expect(bob.body.id).not.toBe(first.body.id);
  });

  it('a keyed body is read once and validated as sent: non-ASCII text, a BOM, a malformed body', async () => {
    const key = uniqueName('key');
    const body = { name: uniqueName('utf8'), repository: 'docker.io/acme', description: 'Grüße, 世界 ✓' };
    const raw = `\uFEFF${JSON.stringify(body)}`;
    const send = (k: string, b: string) =>
      api.call('POST', '/api/container-images', {
        token: api.alice.token,
        body: b,
        headers: { 'Idempotency-Key': k, 'Content-Type': 'application/json' },
      });
    const first = await send(key, raw);
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ name: body.name, description: 'Grüße, 世界 ✓' });
    const again = await send(key, raw);
    expect(again.headers.get('Idempotent-Replayed')).toBe('true');
    expect(again.body).toEqual(first.body);
    const bad = await send(uniqueName('key'), '{"name": ');
    expect(bad.status).toBe(400);
  });

  it('the same key with another body is a 422', async () => {
    const key = uniqueName('key');
    await api.call('POST', '/api/container-images', {
      token: api.alice.token,
      body: { name: uniqueName('a'), repository: 'docker.io/acme' },
      headers: { 'Idempotency-Key': key },
    });
    const other = await api.call('POST', '/api/container-images', {
      token: api.alice.token,
      body: { name: uniqueName('b'), repository: 'docker.io/acme' },
      headers: { 'Idempotency-Key': key },
    });
    expect(other.status).toBe(422);
    expect(other.body).toMatchObject({ error: 'Invalid request', details: { field: 'Idempotency-Key' } });
  });

  /**
   * Holds the first request inside its create: another transaction inserts the same name + tag and
   * stays open, so the first's insert waits on it (its key claimed, the claim not committed yet when
   * the claim is made in the create's own statement). Rolled back by `let go`, the first then creates.
   */
  async function holdFirst(name: string) {
    const holder = await api.db.sql.reserve();
    await holder`begin`;
    await holder`insert into container_images (owner_id, name, tag, repository, status, driver)
      values (${api.alice.id}, ${name}, 'latest', 'docker.io/acme', 'building', 'sandbox')`;
    return {
      /** Until the first request waits on the holder's row. */
      async waiting() {
        for (let i = 0; i < 500; i++) {
          const rows = await api.db.sql`select 1 from pg_stat_activity
            where datname = current_database() and wait_event_type = 'Lock' and query like '%container_images%'`;
          if (rows.length) return;
          await new Promise((r) => setTimeout(r, 10));
        }
        throw new Error('the first request never waited on the held row');
      },
      async letGo() {
        await holder`rollback`;
        holder.release();
      },
    };
  }

  it('the same key while the first request is still running is a 409', async () => {
    const key = uniqueName('key');
    const body = { name: uniqueName('c'), repository: 'docker.io/acme' };
    const hold = await holdFirst(body.name);
    const first = api.call('POST', '/api/container-images', {
      token: api.alice.token,
      body,
      headers: { 'Idempotency-Key': key },
    });
    await hold.waiting();
    const second = await api.call('POST', '/api/container-images', {
      token: api.alice.token,
      body,
      headers: { 'Idempotency-Key': key },
    });
    await hold.letGo();
    expect(second.status).toBe(409);
    expect(second.body).toMatchObject({
      error: 'Conflict',
      message: 'A request with this Idempotency-Key is still being processed',
    });
    expect((await first).status).toBe(201);
    // And once the first has answered, the same request replays it.
    const third = await api.call('POST', '/api/container-images', {
      token: api.alice.token,
      body,
      headers: { 'Idempotency-Key': key },
    });
    expect(third.status).toBe(201);
    expect(third.headers.get('Idempotent-Replayed')).toBe('true');
  });

  it('the same key with another body while the first request is still running is a 422', async () => {
    const key = uniqueName('key');
    const body = { name: uniqueName('m'), repository: 'docker.io/acme' };
    const hold = await holdFirst(body.name);
    const first = api.call('POST', '/api/container-images', {
      token: api.alice.token,
      body,
      headers: { 'Idempotency-Key': key },
    });
    await hold.waiting();
    const other = await api.call('POST', '/api/container-images', {
      token: api.alice.token,
      body: { ...body, name: uniqueName('m2') },
      headers: { 'Idempotency-Key': key },
    });
    await hold.letGo();
    expect(other.status).toBe(422);
    expect(other.body).toMatchObject({ error: 'Invalid request', details: { field: 'Idempotency-Key' } });
    expect((await first).status).toBe(201);
  });

  it('a duplicate name + tag answered with a key is stored: the retry replays the 409', async () => {
    const body = { name: uniqueName('dup'), repository: 'docker.io/acme' };
    const made = await api.call('POST', '/api/container-images', { token: api.alice.token, body });
    expect(made.status).toBe(201);
    const key = uniqueName('key');
    const send = () =>
      api.call('POST', '/api/container-images', {
        token: api.alice.token,
        body,
        headers: { 'Idempotency-Key': key },
      });
    const dup = await send();
    expect(dup.status).toBe(409);
    expect(dup.body).toMatchObject({ error: 'Conflict', id: made.body.id });
    expect(dup.headers.get('Idempotent-Replayed')).toBeNull();
    const again = await send();
    expect(again.status).toBe(409);
    expect(again.headers.get('Idempotent-Replayed')).toBe('true');
    expect(again.body).toEqual(dup.body);
    const [row] = await api.db.sql<{ response_status: number }[]>`
      select response_status from idempotency_keys where key = ${key}`;
    expect(row?.response_status).toBe(409);
  });

  it('a 4xx is stored and replayed too; no key means no bookkeeping', async () => {
    const key = uniqueName('key');
    const r1 = await api.call('POST', '/api/container-images', {
      token: api.alice.token,
      body: { repository: 'docker.io/acme' },
      headers: { 'Idempotency-Key': key },
    });
    expect(r1.status).toBe(422);
    const r2 = await api.call('POST', '/api/container-images', {
      token: api.alice.token,
      body: { repository: 'docker.io/acme' },
      headers: { 'Idempotency-Key': key },
    });
    expect(r2.status).toBe(422);
    expect(r2.headers.get('Idempotent-Replayed')).toBe('true');
  });

  it('a key whose first request died is taken over after the lock timeout, and the dead one cannot store later', async () => {
    const key = uniqueName('key');
    const body = { name: uniqueName('d'), repository: 'docker.io/acme' };
    const raw = JSON.stringify(body);
    const hash = createHash('sha256').update(`POST\n/api/container-images\n`).update(raw).digest('hex');
    // What a request that was killed after claiming the key leaves behind: a claim, no response.
    const deadToken = randomUUID();
    await api.db
      .sql`insert into idempotency_keys (user_id, key, request_hash, lock_token, locked_at, expires_at)
      values (${api.alice.id}, ${key}, ${hash}, ${deadToken}, now() - interval '10 seconds', now() + interval '1 day')`;
    const send = () =>
      api.call('POST', '/api/container-images', {
        token: api.alice.token,
        body: raw,
        headers: { 'Idempotency-Key': key, 'Content-Type': 'application/json' },
      });
    // Within the lock timeout it is still "in progress".
    expect((await send()).status).toBe(409);
    // Past it, the retry runs and its answer is what later retries replay.
    await api.db
      .sql`update idempotency_keys set locked_at = now() - make_interval(secs => ${IDEMPOTENCY_LOCK_TIMEOUT_S + 1}) where key = ${key}`;
    const retry = await send();
    expect(retry.status).toBe(201);
    expect(
      await completeIdempotencyKey(
        api.core,
        api.alice.id,
        key,
        { status: 500, body: 'late', headers: {} },
        deadToken,
      ),
    ).toBe(false);
    const again = await send();
    expect(again.status).toBe(201);
    expect(again.headers.get('Idempotent-Replayed')).toBe('true');
    expect(again.body).toEqual(retry.body);
  });
  it('an expired key is free again: a new request with it runs afresh', async () => {
    const key = uniqueName('key');
    // What a day-old use of the key left: another body's hash and its stored answer, expired.
    await api.db
      .sql`insert into idempotency_keys (user_id, key, request_hash, lock_token, locked_at, expires_at,
             response_status, response_body, response_headers)
      values (${api.alice.id}, ${key}, 'old-hash', ${randomUUID()}, now() - interval '25 hours',
              now() - interval '1 hour', 201, '{"old":true}', '{}'::jsonb)`;
    const r = await api.call('POST', '/api/container-images', {
      token: api.alice.token,
      body: { name: uniqueName('e'), repository: 'docker.io/acme' },
      headers: { 'Idempotency-Key': key },
    });
    expect(r.status).toBe(201);
    expect(r.headers.get('Idempotent-Replayed')).toBeNull();
    const [row] = await api.db.sql<{ request_hash: string; response_status: number }[]>`
      select request_hash, response_status from idempotency_keys where key = ${key}`;
    expect(row?.request_hash).not.toBe('old-hash');
    expect(row?.response_status).toBe(201);
  });
});
