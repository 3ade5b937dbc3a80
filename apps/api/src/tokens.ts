import { jwtVerify, SignJWT } from 'jose';

// Access tokens: HS256 JWTs (contract: expire after 1 hour). Only `sub` is trusted on the way in;
// role and tier are informational, the user row is re-read per request (authenticate middleware).

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

/** The token's subject, or null for anything not signed by us, expired, or not HS256 (incl. alg none). */
export async function verifyAccessToken(secret: string, token: string): Promise<{ sub: string } | null> {
  try {
    const { payload } = await jwtVerify(token, key(secret), {
      algorithms: ['HS256'],
      issuer: TOKEN_ISSUER,
      requiredClaims: ['exp', 'sub'],
    });
    return typeof payload.sub === 'string' ? { sub: payload.sub } : null;
  } catch {
    return null;
  }
}
