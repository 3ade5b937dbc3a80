import { jwtVerify, SignJWT } from 'jose';

// Access tokens: HS256 JWTs (contract: expire after 1 hour). Only `sub` is trusted on the way in;
// role and tier are informational, the user row is re-read per request (authenticate middleware).
// The hour is enforced on the way in too: a token issued more than an hour ago (or in the future,
// or without `iat`) is refused whatever its `exp` says, so a token minted with a far `exp` (a
// leaked key, a bug) cannot live longer than the contract allows.

export const ACCESS_TOKEN_TTL_S = 3600;
export const TOKEN_ISSUER = 'slipway';

const key = (secret: string) => new TextEncoder().encode(secret);

export async function signAccessToken(
  secret: string,
  user: { id: string; role: string; tier: string },
  ttlSeconds = ACCESS_TOKEN_TTL_S,
): Promise<string> {
  return new SignJWT({ role: user.role, tier: user.tier })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(user.id)
    .setIssuer(TOKEN_ISSUER)
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + ttlSeconds)
    .sign(key(secret));
}

/** How far a clock may be off (seconds) when checking `exp` and `iat`. */
const CLOCK_TOLERANCE_S = 30;

/**
 * Tokens already verified, per secret, by the token itself: the HMAC check (WebCrypto, async, ~7% of
 * the API's CPU under a status-poll load) runs once per token, not once per request. An entry is good
 * until the earlier of the token's `exp` and `iat` + one hour (plus the same clock tolerance jose
 * applies), so a cached token is refused exactly when verifying it again would refuse it. Only
 * successes are kept; a different signature, secret or claim is a different key. Bounded: past
 * MAX_VERIFIED the oldest entry goes.
 */
const verifiedBySecret = new Map<string, Map<string, { sub: string; untilS: number }>>();
const MAX_VERIFIED = 10_000;
// (Keyed by SHA-256(secret, token) until hashing every request's token was ~2% of the API's CPU
// per status poll; a map per secret keeps a token verified under one secret from counting for another.)

/**
 * The subject of a token verified before under this secret and still good, else undefined (never
 * verified, refused, or past its time: `verifyAccessToken` decides those). Synchronous, for the
 * common case of a client sending the same token again.
 */
export function verifiedSubject(secret: string, token: string): string | undefined {
  const hit = verifiedBySecret.get(secret)?.get(token);
  return hit && Date.now() / 1000 <= hit.untilS ? hit.sub : undefined;
}

/**
 * The token's subject, or null for anything not signed by us, expired, older than an hour, without
 * `iat`, or not HS256 (incl. alg none).
 */
export async function verifyAccessToken(secret: string, token: string): Promise<{ sub: string } | null> {
  let verified = verifiedBySecret.get(secret);
  if (!verified) {
    verified = new Map();
    verifiedBySecret.set(secret, verified);
  }
  const key = token;
  const nowS = Date.now() / 1000;
  const hit = verified.get(key);
  if (hit) {
    if (nowS <= hit.untilS) return { sub: hit.sub };
    verified.delete(key);
  }
  const claims = await verifyWithJose(secret, token);
  if (!claims) return null;
  const untilS = Math.min(claims.exp, claims.iat + ACCESS_TOKEN_TTL_S) + CLOCK_TOLERANCE_S;
  if (verified.size >= MAX_VERIFIED) {
    const oldest = verified.keys().next();
    if (!oldest.done) verified.delete(oldest.value);
  }
  verified.set(key, { sub: claims.sub, untilS });
  return { sub: claims.sub };
}

async function verifyWithJose(
  secret: string,
  token: string,
): Promise<{ sub: string; exp: number; iat: number } | null> {
  try {
    const { payload } = await jwtVerify(token, key(secret), {
      algorithms: ['HS256'],
      issuer: TOKEN_ISSUER,
      requiredClaims: ['exp', 'sub', 'iat'],
      maxTokenAge: ACCESS_TOKEN_TTL_S,
      clockTolerance: CLOCK_TOLERANCE_S,
    });
    const { sub, exp, iat } = payload;
    return typeof sub === 'string' && typeof exp === 'number' && typeof iat === 'number'
      ? { sub, exp, iat }
      : null;
  } catch {
    return null;
  }
}
