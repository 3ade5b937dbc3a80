import { users } from '@slipway/db';
import { describe, expect, it } from 'vitest';
import { createTestDatabase } from './database.ts';

describe('test database', () => {
  it('is cloned from the migrated template and owned by this test', async () => {
    const t = await createTestDatabase();
    try {
      const rows = await t.db.select().from(users);
      expect(rows).toEqual([]);
    } finally {
      await t.drop();
    }
  });
});
