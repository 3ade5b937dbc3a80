import { createHash, randomBytes, scrypt as scryptCb, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import { refreshTokens, type User, type UserRole, type UserTier, users } from '@slipway/db';
import { and, eq, gt, isNull, sql } from 'drizzle-orm';
import { assertAdmin } from './access.ts';
import type { Actor, CoreDeps } from './deps.ts';
import { conflict, DomainError } from './errors.ts';
import { isUniqueViolation } from './shared.ts';

const scrypt = promisify(scryptCb) as (
  pw: string,
  salt: Buffer,
  len: number,
  opts: { N: number; r: number; p: number; maxmem: number },
) => Promise<Buffer>;
// scrypt parameters (N=2^15, r=8, p=1: ~32 MiB, tens of ms), stored with each hash so they can be raised later.
const N = 2 ** 15;
const R = 8;
const P = 1;

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scrypt(password, salt, 32, { N, r: R, p: P, maxmem: 64 * 1024 * 1024 });
  return `scrypt$${N}$${R}$${P}$${salt.toString('base64')}$${key.toString('base64')}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [alg, n, r, p, salt, hash] = stored.split('$');
  if (alg !== 'scrypt' || !n || !r || !p || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64');
  const key = await scrypt(password, Buffer.from(salt, 'base64'), expected.length, {
    N: Number(n),
    r: Number(r),
    p: Number(p),
    maxmem: 64 * 1024 * 1024,
  });
  return timingSafeEqual(key, expected);
}

// A fixed dummy hash so an unknown email costs the same time as a wrong password.
let dummyHash: Promise<string> | null = null;

export async function authenticate(deps: CoreDeps, email: string, password: string): Promise<User> {
  const [user] = await deps.db.select().from(users).where(eq(users.email, email.toLowerCase()));
  dummyHash ??= hashPassword('not-a-password');
  const ok = await verifyPassword(password, user?.passwordHash ?? (await dummyHash));
  if (!user || !ok) throw new DomainError('unauthorized', 'Invalid email or password');
  return user;
}

export async function getUser(deps: CoreDeps, id: string): Promise<User | null> {
  const [u] = await deps.db.select().from(users).where(eq(users.id, id));
  return u ?? null;
}

export type CreateUserInput = { email: string; password: string; role: UserRole; tier: UserTier };

export async function createUser(deps: CoreDeps, actor: Actor, input: CreateUserInput): Promise<User> {
  assertAdmin(actor);
  try {
    const [u] = await deps.db
      .insert(users)
      .values({
        email: input.email.toLowerCase(),
        passwordHash: await hashPassword(input.password),
        role: input.role,
        tier: input.tier,
      })
      .returning();
    if (!u) throw new Error('insert returned nothing');
    return u;
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

const REFRESH_TTL_DAYS = 30;
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/** An opaque refresh token; only its hash is stored. */
export async function issueRefreshToken(deps: CoreDeps, userId: string): Promise<string> {
  const token = randomBytes(32).toString('base64url');
  await deps.db.insert(refreshTokens).values({
    userId,
    tokenHash: sha256(token),
    expiresAt: sql`now() + interval '${sql.raw(String(REFRESH_TTL_DAYS))} days'` as unknown as Date,
  });
  return token;
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

/** Rotation: the presented token is consumed (compare-and-set on used_at) and a new one issued. */
export async function rotateRefreshToken(
  deps: CoreDeps,
  token: string,
): Promise<{ user: User; refreshToken: string }> {
  const [used] = await deps.db
    .update(refreshTokens)
    .set({ usedAt: sql`now()` })
    .where(
      and(
        eq(refreshTokens.tokenHash, sha256(token)),
        isNull(refreshTokens.usedAt),
        gt(refreshTokens.expiresAt, sql`now()`),
      ),
    )
    .returning();
  if (!used) throw new DomainError('unauthorized', 'Invalid or expired refresh token');
  const user = await getUser(deps, used.userId);
  if (!user) throw new DomainError('unauthorized', 'Invalid or expired refresh token');
  return { user, refreshToken: await issueRefreshToken(deps, user.id) };
}
