import { randomBytes, scryptSync } from 'node:crypto';
import * as argon2 from '@node-rs/argon2';
import { createTestDatabase, type TestDatabase } from '@slipway/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  authenticate,
  createUser,
  ensureAdmin,
  hashPassword,
  login,
  needsRehash,
  REFRESH_ABSOLUTE_DAYS,
  revokeRefreshFamily,
  rotateRefreshToken,
  verifyPassword,
} from './auth.ts';
import type { Actor, CoreDeps } from './deps.ts';

let db: TestDatabase;
let deps: CoreDeps;
let user: Actor & { email: string };
const PASSWORD = 'correct-horse-battery';

beforeAll(async () => {
  db = await createTestDatabase();
  deps = {
    db: db.db,
    driver: { images: 'sandbox', clusters: 'sandbox', workloads: 'sandbox', charts: 'sandbox' },
  };
  const admin = await ensureAdmin(deps, 'admin@auth.test', PASSWORD);
  const u = await createUser(
    deps,
    { id: admin.id, role: 'admin' },
    {
      email: 'op@auth.test',
      password: PASSWORD,
      role: 'operator',
      tier: 'standard',
    },
  );
  user = { id: u.id, role: u.role, email: u.email };
});
afterAll(async () => {
  await db?.drop();
});

const refused = { code: 'unauthorized' };

describe('refresh token families', () => {
  it('reusing a rotated token revokes the whole family, newer tokens too, and records a security event', async () => {
    const { refreshToken: first } = await login(deps, user.email, PASSWORD);
    const { refreshToken: second } = await rotateRefreshToken(deps, first);
    const { refreshToken: third } = await rotateRefreshToken(deps, second);
    // `first` was copied by someone: presenting it again is the reuse.
    await expect(rotateRefreshToken(deps, first, { address: '203.0.113.7' })).rejects.toMatchObject(refused);
    // The family is dead: the newest token, which was never used, is refused as well.
    await expect(rotateRefreshToken(deps, third)).rejects.toMatchObject(refused);
    const events = await db.sql`select kind, user_id, address, path, detail from security_events`;
    expect(events).toEqual([
      {
        kind: 'refresh_token_reuse',
        user_id: user.id,
        address: '203.0.113.7',
        path: '/api/auth/refresh',
        detail: { family_id: expect.any(String) },
      },
    ]);
    const [fam] =
      await db.sql`select revoked_reason from refresh_token_families where id = ${events[0]?.detail.family_id}`;
    expect(fam?.revoked_reason).toBe('reuse');
  });

  it('another login is another family: revoking one leaves the other working', async () => {
    const a = await login(deps, user.email, PASSWORD);
    const b = await login(deps, user.email, PASSWORD);
    const a2 = await rotateRefreshToken(deps, a.refreshToken);
    await expect(rotateRefreshToken(deps, a.refreshToken)).rejects.toMatchObject(refused);
    await expect(rotateRefreshToken(deps, a2.refreshToken)).rejects.toMatchObject(refused);
    await expect(rotateRefreshToken(deps, b.refreshToken)).resolves.toMatchObject({ user: { id: user.id } });
  });

  it('a token idle past its timeout is refused', async () => {
    const { refreshToken } = await login(deps, user.email, PASSWORD);
    const [t] =
      await db.sql`select expires_at, (expires_at - created_at) as idle from refresh_tokens order by created_at desc limit 1`;
    expect(String(t?.idle)).toMatch(/^7 days/);
    // Make the newest token idle for 8 days.
    await db.sql`update refresh_tokens set created_at = now() - interval '8 days', expires_at = now() - interval '1 day'
      where id = (select id from refresh_tokens order by created_at desc limit 1)`;
    await expect(rotateRefreshToken(deps, refreshToken)).rejects.toMatchObject(refused);
  });

  it('a family past its absolute lifetime is refused however recently it rotated', async () => {
    const { refreshToken } = await login(deps, user.email, PASSWORD);
    const { refreshToken: next } = await rotateRefreshToken(deps, refreshToken);
    const [fam] =
      await db.sql`select f.id, f.expires_at - f.created_at as life, t.expires_at <= f.expires_at as capped
      from refresh_tokens t join refresh_token_families f on f.id = t.family_id
      order by t.created_at desc limit 1`;
    expect(String(fam?.life)).toMatch(new RegExp(`^${REFRESH_ABSOLUTE_DAYS} days`));
    expect(fam?.capped).toBe(true);
    // The family started 31 days ago; its newest token is fresh.
    await db.sql`update refresh_token_families set created_at = now() - interval '31 days', expires_at = now() - interval '1 day' where id = ${fam?.id}`;
    await expect(rotateRefreshToken(deps, next)).rejects.toMatchObject(refused);
  });

  it('logout revokes the family; only its owner can, and a second logout is harmless', async () => {
    const { refreshToken } = await login(deps, user.email, PASSWORD);
    const { refreshToken: next } = await rotateRefreshToken(deps, refreshToken);
    const stranger: Actor = { id: '00000000-0000-4000-8000-000000000000', role: 'operator' };
    await expect(revokeRefreshFamily(deps, stranger, next)).rejects.toMatchObject(refused);
    await revokeRefreshFamily(deps, user, next);
    await revokeRefreshFamily(deps, user, next);
    await expect(rotateRefreshToken(deps, next)).rejects.toMatchObject(refused);
    await expect(revokeRefreshFamily(deps, user, 'no-such-token')).rejects.toMatchObject(refused);
  });
});

describe('password hashing', () => {
  it('new hashes are argon2id at OWASP parameters (19 MiB, t=2, p=1)', async () => {
    const hash = await hashPassword('pw-123456');
    expect(hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(needsRehash(hash)).toBe(false);
    expect(await verifyPassword('pw-123456', hash)).toBe(true);
    expect(await verifyPassword('pw-1234567', hash)).toBe(false);
    expect(await verifyPassword('pw-123456', 'scrypt$placeholder')).toBe(false);
    expect(await verifyPassword('pw-123456', '$argon2id$garbage')).toBe(false);
  });

  it('an old scrypt hash still logs in and is upgraded to argon2id; a wrong password upgrades nothing', async () => {
    // The format this project stored before argon2id (N=2^15, r=8, p=1).
    const salt = randomBytes(16);
    const key = scryptSync('legacy-password', salt, 32, { N: 2 ** 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 });
    const legacy = `scrypt$32768$8$1$${salt.toString('base64')}$${key.toString('base64')}`;
    expect(needsRehash(legacy)).toBe(true);
    const email = 'legacy@auth.test';
    await db.sql`insert into users (email, password_hash, role) values (${email}, ${legacy}, 'operator')`;

    await expect(authenticate(deps, email, 'wrong-password')).rejects.toMatchObject(refused);
    const [before] = await db.sql`select password_hash from users where email = ${email}`;
    expect(before?.password_hash).toBe(legacy);

    await authenticate(deps, email, 'legacy-password');
    const [after] = await db.sql`select password_hash from users where email = ${email}`;
    expect(after?.password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    // The upgraded hash is the same password.
    await expect(authenticate(deps, email, 'legacy-password')).resolves.toMatchObject({ email });
    await expect(authenticate(deps, email, 'wrong-password')).rejects.toMatchObject(refused);
  });

  it('a weaker argon2id hash is raised to the current parameters at login', async () => {
    const weak = await argon2.hash('weak-params-pw', {
      algorithm: 2 as argon2.Algorithm,
      memoryCost: 4096,
      timeCost: 1,
      parallelism: 1,
    });
    expect(needsRehash(weak)).toBe(true);
    const email = 'weak@auth.test';
    await db.sql`insert into users (email, password_hash, role) values (${email}, ${weak}, 'operator')`;
    await authenticate(deps, email, 'weak-params-pw');
    const [after] = await db.sql`select password_hash from users where email = ${email}`;
    expect(after?.password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
  });
});
