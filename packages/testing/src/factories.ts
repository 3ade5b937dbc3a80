import { randomBytes } from 'node:crypto';
import { type Db, type User, users } from '@slipway/db';

/** A user row with a unique email. The password hash is a placeholder: log in through the API helpers instead. */
export async function insertUser(
  db: Db,
  role: User['role'] = 'operator',
  tier: User['tier'] = 'standard',
): Promise<User> {
  const [u] = await db
    .insert(users)
    .values({
      email: `u-${randomBytes(5).toString('hex')}@test.local`,
      passwordHash: 'scrypt$placeholder',
      role,
      tier,
    })
    .returning();
  if (!u) throw new Error('user insert failed');
  return u;
}

/** Polls `fn` until it returns a truthy value or `timeoutMs` passes (then throws with the last value). */
export async function eventually<T>(
  fn: () => Promise<T>,
  timeoutMs = 20_000,
  intervalMs = 50,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  for (;;) {
    last = await fn();
    if (last) return last as NonNullable<T>;
    if (Date.now() > deadline)
      throw new Error(`condition not met within ${timeoutMs} ms (last: ${JSON.stringify(last)})`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
