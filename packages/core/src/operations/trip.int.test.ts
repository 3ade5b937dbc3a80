import { createTestDatabase, type TestDatabase } from '@slipway/testing';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { preparedStatement, runStatement, runTransaction } from './trip.ts';

describe('trip: a transaction in one round trip', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
    await t.sql`create table trip_t (x int primary key, note text)`;
  });
  afterAll(() => t.drop());

  it('returns each statement’s rows, each statement seeing what the one before it wrote', async () => {
    const [a, b] = await runTransaction(t.db, [
      sql`insert into trip_t (x, note) values (${1}, ${'one'}) returning x`,
      sql`select count(*)::int as n from trip_t`,
    ]);
    expect(a).toEqual([{ x: 1 }]);
    expect(b).toEqual([{ n: 1 }]);
  });

  it('a failing statement throws its own error and nothing of the transaction is committed', async () => {
    await expect(
      runTransaction(t.db, [
        sql`insert into trip_t (x, note) values (${2}, ${'two'})`,
        sql`insert into trip_t (x, note) values (${1}, ${'again'})`,
        sql`insert into trip_t (x, note) values (${3}, ${'three'})`,
      ]),
    ).rejects.toMatchObject({ code: '23505' });
    expect(await t.sql`select x from trip_t order by x`).toEqual([{ x: 1 }]);
    // The pooled connection is not left inside the aborted transaction.
    for (let i = 0; i < 12; i++)
      expect(
        await runStatement(t.db, sql`select current_setting('transaction_isolation') as iso, ${i}::int as i`),
      ).toEqual([{ iso: 'read committed', i }]);
    // One transaction: a setting local to it is seen by the next statement, and gone after.
    const inOne = await runTransaction(t.db, [
      sql`select set_config('trip.x', 'in', true)`,
      sql`select current_setting('trip.x', true) as v`,
    ]);
    expect(inOne[1]).toEqual([{ v: 'in' }]);
    const [after] = await runStatement(t.db, sql`select coalesce(current_setting('trip.x', true), '') as v`);
    expect(after).toEqual({ v: '' });
  });

  it('a prepared statement is compiled once and filled with each call’s values', async () => {
    const q = preparedStatement(
      () => sql`select ${sql.placeholder('a')}::int + ${sql.placeholder('b')}::int as s`,
    );
    expect(q({ a: 1, b: 2 }).text).toBe(q({ a: 5, b: 6 }).text);
    expect(await runStatement(t.db, q({ a: 40, b: 2 }))).toEqual([{ s: 42 }]);
  });
});
