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
 * The token's subject, or null for anything not signed by us, expired, older than an hour, without
 * `iat`, or not HS256 (incl. alg none).
 */
export async function verifyAccessToken(secret: string, token: string): Promise<{ sub: string } | null> {
  try {
    const { payload } = await jwtVerify(token, key(secret), {
      algorithms: ['HS256'],
      issuer: TOKEN_ISSUER,
      requiredClaims: ['exp', 'sub', 'iat'],
      maxTokenAge: ACCESS_TOKEN_TTL_S,
      clockTolerance: CLOCK_TOLERANCE_S,
    });
    return typeof payload.sub === 'string' ? { sub: payload.sub } : null;
  } catch {
    return null;
  }
}
