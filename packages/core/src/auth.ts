import { createHash, randomBytes, scrypt as scryptCb, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import type { Algorithm } from '@node-rs/argon2';
import * as argon2 from '@node-rs/argon2';
import {
  refreshTokenFamilies,
  refreshTokens,
  type Tx,
  type User,
  type UserRole,
  type UserTier,
  users,
} from '@slipway/db';
import { and, asc, count, eq, ilike, isNull, type SQL, sql } from 'drizzle-orm';
import { assertAdmin } from './access.ts';
import { auditInTransaction, recordSecurityEvent } from './audit.ts';
import type { Actor, CoreDeps } from './deps.ts';
import { conflict, DomainError } from './errors.ts';
import { offsetOf, type Page } from './pagination.ts';
import { isUniqueViolation } from './shared.ts';

const scrypt = promisify(scryptCb) as (
  pw: string,
  salt: Buffer,
  len: number,
  opts: { N: number; r: number; p: number; maxmem: number },
) => Promise<Buffer>;

/**
 * Passwords are hashed with argon2id at OWASP's parameters (Password Storage Cheat Sheet: 19 MiB,
 * 2 passes, 1 lane), in libuv's thread pool so a login never blocks the event loop. The PHC string
 * carries the parameters; a hash below them (or an old `scrypt$N$r$p$salt$hash` from before
 * argon2id) still verifies and is replaced at the next successful login.
 */
export const PASSWORD_HASH = { memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;
const ARGON2ID = 2 as Algorithm;

export async function hashPassword(password: string): Promise<string> {
  return argon2.hash(password, { algorithm: ARGON2ID, ...PASSWORD_HASH });
}

async function verifyScrypt(password: string, stored: string): Promise<boolean> {
  const [, n, r, p, salt, hash] = stored.split('$');
  if (!n || !r || !p || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64');
  const key = await scrypt(password, Buffer.from(salt, 'base64'), expected.length, {
    N: Number(n),
    r: Number(r),
    p: Number(p),
    maxmem: 64 * 1024 * 1024,
  });
  return key.length === expected.length && timingSafeEqual(key, expected);
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  try {
    if (stored.startsWith('$argon2')) return await argon2.verify(stored, password);
    if (stored.startsWith('scrypt$')) return await verifyScrypt(password, stored);
  } catch {
    // A malformed stored hash verifies nothing.
  }
  return false;
}

/** True when `stored` is not argon2id at (at least) today's parameters. */
export function needsRehash(stored: string): boolean {
  if (!stored.startsWith('$argon2id$')) return true;
  try {
    const o = argon2.parseOptions(stored);
    return (
      o.memoryCost < PASSWORD_HASH.memoryCost ||
      o.timeCost < PASSWORD_HASH.timeCost ||
      o.parallelism < PASSWORD_HASH.parallelism
    );
  } catch {
    return true;
  }
}

// A fixed dummy hash so an unknown email costs the same time as a wrong password.
let dummyHash: Promise<string> | null = null;

/**
 * Email + password -> the user, or a 401. An old or weaker hash is upgraded on success
 * (compare-and-set on the old hash, so two concurrent logins write one).
 */
export async function authenticate(deps: CoreDeps, email: string, password: string): Promise<User> {
  const [user] = await deps.db.select().from(users).where(eq(users.email, email.toLowerCase()));
  dummyHash ??= hashPassword('not-a-password');
  const ok = await verifyPassword(password, user?.passwordHash ?? (await dummyHash));
  if (!user || !ok) throw new DomainError('unauthorized', 'Invalid email or password');
  if (needsRehash(user.passwordHash)) {
    const upgraded = await hashPassword(password);
    await deps.db
      .update(users)
      .set({ passwordHash: upgraded })
      .where(and(eq(users.id, user.id), eq(users.passwordHash, user.passwordHash)));
    return { ...user, passwordHash: upgraded };
  }
  return user;
}

// getUser runs for every authenticated request whose user is not cached: built once per pool.
const userById = new WeakMap<CoreDeps['db'], ReturnType<typeof userByIdQuery>>();
const userByIdQuery = (db: CoreDeps['db']) =>
  db
    .select()
    .from(users)
    .where(eq(users.id, sql.placeholder('id')))
    .prepare('get_user_by_id');

export async function getUser(deps: CoreDeps, id: string): Promise<User | null> {
  let q = userById.get(deps.db);
  if (!q) {
    q = userByIdQuery(deps.db);
    userById.set(deps.db, q);
  }
  const [u] = await q.execute({ id });
  return u ?? null;
}

export type CreateUserInput = { email: string; password: string; role: UserRole; tier: UserTier };

export async function createUser(deps: CoreDeps, actor: Actor, input: CreateUserInput): Promise<User> {
  assertAdmin(actor);
  try {
    const passwordHash = await hashPassword(input.password);
    return await deps.db.transaction(async (tx) => {
      const [u] = await tx
        .insert(users)
        .values({ email: input.email.toLowerCase(), passwordHash, role: input.role, tier: input.tier })
        .returning();
      if (!u) throw new Error('insert returned nothing');
      await auditInTransaction(tx, u.id);
      return u;
    });
  } catch (e) {
    if (isUniqueViolation(e)) {
      const [d] = await deps.db
        .select({ id: users.id })
        .from(users)
        .where(eq(users.email, input.email.toLowerCase()));
      throw conflict(d?.id ?? '', 'User already exists');
    }
    throw e;
  }
}

export type UserListQuery = {
  page: number;
  perPage: number;
  role?: UserRole | undefined;
  email?: string | undefined;
};

/** GET /api/users (admins only): every user, oldest first, filtered by role and email text. */
export async function listUsers(deps: CoreDeps, actor: Actor, q: UserListQuery): Promise<Page<User>> {
  assertAdmin(actor);
  const filters: (SQL | undefined)[] = [
    q.role ? eq(users.role, q.role) : undefined,
    q.email ? ilike(users.email, `%${q.email.replace(/[\\%_]/g, (m) => `\\${m}`)}%`) : undefined,
  ];
  const where = and(...filters);
  const [items, [total]] = await Promise.all([
    deps.db
      .select()
      .from(users)
      .where(where)
      .orderBy(asc(users.createdAt), asc(users.id))
      .limit(q.perPage)
      .offset(offsetOf(q)),
    deps.db.select({ n: count() }).from(users).where(where),
  ]);
  return { items, total: total?.n ?? 0, page: q.page, perPage: q.perPage };
}

/** First start: creates the admin from ADMIN_EMAIL / ADMIN_PASSWORD unless it exists. */
export async function ensureAdmin(deps: CoreDeps, email: string, password: string): Promise<User> {
  const [existing] = await deps.db.select().from(users).where(eq(users.email, email.toLowerCase()));
  if (existing) return existing;
  const [u] = await deps.db
    .insert(users)
    .values({
      email: email.toLowerCase(),
      passwordHash: await hashPassword(password),
      role: 'admin',
      tier: 'premium',
    })
    .onConflictDoNothing()
    .returning();
  if (u) return u;
  const [again] = await deps.db.select().from(users).where(eq(users.email, email.toLowerCase()));
  if (!again) throw new Error('admin could not be created');
  return again;
}

/** Refresh tokens: a family lives at most this long from its login, however often it rotates. */
export const REFRESH_ABSOLUTE_DAYS = 30;
/** ... and a token unused for this long is dead (the idle timeout). */
export const REFRESH_IDLE_DAYS = 7;
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const invalidRefresh = () => new DomainError('unauthorized', 'Invalid or expired refresh token');

/** Who presented a token: recorded with security events. */
export type ClientContext = { address?: string | null | undefined };

async function insertToken(tx: Tx, userId: string, familyId: string) {
  const token = randomBytes(32).toString('base64url');
  await tx.insert(refreshTokens).values({
    userId,
    familyId,
    tokenHash: sha256(token),
    // The idle timeout, never past the family's absolute expiry.
    expiresAt:
      sql`least(now() + make_interval(days => ${REFRESH_IDLE_DAYS}), (select ${refreshTokenFamilies.expiresAt} from ${refreshTokenFamilies} where ${refreshTokenFamilies.id} = ${familyId}))` as unknown as Date,
  });
  return token;
}

/** Starts a refresh-token family (a login) and returns its first token; only hashes are stored. */
export async function issueRefreshToken(deps: CoreDeps, userId: string): Promise<string> {
  return deps.db.transaction(async (tx) => {
    const [family] = await tx
      .insert(refreshTokenFamilies)
      .values({
        userId,
        expiresAt: sql`now() + make_interval(days => ${REFRESH_ABSOLUTE_DAYS})` as unknown as Date,
      })
      .returning();
    if (!family) throw new Error('insert returned nothing');
    await auditInTransaction(tx, userId, userId);
    return insertToken(tx, userId, family.id);
  });
}

/** Login: checks the password and issues a refresh token (the API signs the access token). */
export async function login(
  deps: CoreDeps,
  email: string,
  password: string,
): Promise<{ user: User; refreshToken: string }> {
  const user = await authenticate(deps, email, password);
  return { user, refreshToken: await issueRefreshToken(deps, user.id) };
}

type Rotation =
  | { kind: 'ok'; userId: string; token: string }
  | { kind: 'invalid' }
  | { kind: 'reuse'; userId: string };

/**
 * Rotation: the presented token is consumed and a new one of the same family issued. Presenting a
 * token that was already rotated means it was copied: the whole family is revoked (the newer tokens
 * too) and a security event recorded, in the same transaction. The row lock serialises two
 * concurrent rotations of one token, so the second is seen as the reuse it is.
 */
export async function rotateRefreshToken(
  deps: CoreDeps,
  token: string,
  client: ClientContext = {},
): Promise<{ user: User; refreshToken: string }> {
  const outcome = await deps.db.transaction(async (tx): Promise<Rotation> => {
    const [row] = await tx
      .select({
        id: refreshTokens.id,
        userId: refreshTokens.userId,
        familyId: refreshTokens.familyId,
        usedAt: refreshTokens.usedAt,
        revokedAt: refreshTokenFamilies.revokedAt,
        live: sql<boolean>`${refreshTokens.expiresAt} > now() and ${refreshTokenFamilies.expiresAt} > now()`,
      })
      .from(refreshTokens)
      .innerJoin(refreshTokenFamilies, eq(refreshTokenFamilies.id, refreshTokens.familyId))
      .where(eq(refreshTokens.tokenHash, sha256(token)))
      .for('update');
    await auditInTransaction(tx, row?.userId ?? null, row?.userId ?? null);
    if (!row || row.revokedAt !== null) return { kind: 'invalid' };
    if (row.usedAt !== null) {
      await tx
        .update(refreshTokenFamilies)
        .set({ revokedAt: sql`now()`, revokedReason: 'reuse' })
        .where(eq(refreshTokenFamilies.id, row.familyId));
      await recordSecurityEvent(tx, {
        kind: 'refresh_token_reuse',
        userId: row.userId,
        address: client.address,
        path: '/api/auth/refresh',
        detail: { family_id: row.familyId },
      });
      return { kind: 'reuse', userId: row.userId };
    }
    if (!row.live) return { kind: 'invalid' };
    await tx.update(refreshTokens).set({ usedAt: sql`now()` }).where(eq(refreshTokens.id, row.id));
    return { kind: 'ok', userId: row.userId, token: await insertToken(tx, row.userId, row.familyId) };
  });
  if (outcome.kind !== 'ok') throw invalidRefresh();
  const user = await getUser(deps, outcome.userId);
  if (!user) throw invalidRefresh();
  return { user, refreshToken: outcome.token };
}

/**
 * Logout: revokes the family of `token`, which must be the caller's. Revoking an already revoked
 * family is fine (a second logout); an unknown token, or someone else's, is a 401.
 */
export async function revokeRefreshFamily(deps: CoreDeps, actor: Actor, token: string): Promise<void> {
  const [row] = await deps.db
    .select({ familyId: refreshTokens.familyId, userId: refreshTokens.userId })
    .from(refreshTokens)
    .where(eq(refreshTokens.tokenHash, sha256(token)));
  if (!row || row.userId !== actor.id) throw invalidRefresh();
  await deps.db.transaction(async (tx) => {
    await tx
      .update(refreshTokenFamilies)
      .set({ revokedAt: sql`now()`, revokedReason: 'logout' })
      .where(and(eq(refreshTokenFamilies.id, row.familyId), isNull(refreshTokenFamilies.revokedAt)));
    await auditInTransaction(tx, actor.id);
  });
}
