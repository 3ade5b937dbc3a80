import { SignJWT } from 'jose';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { signAccessToken, verifiedSubject, verifyAccessToken } from './tokens.ts';

const secret = 'k'.repeat(64);
const sub = '11111111-2222-4333-8444-555555555555';
const now = () => Math.floor(Date.now() / 1000);

function token(claims: { iat?: number; exp: number }): Promise<string> {
  const t = new SignJWT({ role: 'admin' })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(sub)
    .setIssuer('slipway');
  if (claims.iat !== undefined) t.setIssuedAt(claims.iat);
  return t.setExpirationTime(claims.exp).sign(new TextEncoder().encode(secret));
}

describe('access token age', () => {
  it('accepts what signAccessToken issues', async () => {
    expect(
      await verifyAccessToken(secret, await signAccessToken(secret, { id: sub, role: 'x', tier: 'y' })),
    ).toEqual({
      sub,
    });
  });

  it('refuses a token issued more than an hour ago even though its exp is ten years out', async () => {
    const tenYears = now() + 10 * 365 * 86400;
    expect(
      await verifyAccessToken(secret, await token({ iat: now() - 3600 - 120, exp: tenYears })),
    ).toBeNull();
    // ... while one issued a minute ago with the same exp is still fine: age, not exp, decides here.
    expect(await verifyAccessToken(secret, await token({ iat: now() - 60, exp: tenYears }))).toEqual({ sub });
  });

  it('refuses a token without iat, or issued in the future', async () => {
    expect(await verifyAccessToken(secret, await token({ exp: now() + 600 }))).toBeNull();
    expect(await verifyAccessToken(secret, await token({ iat: now() + 3600, exp: now() + 7200 }))).toBeNull();
  });
});

describe('verified-token cache', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('a token verified once is refused after its exp, as jose would refuse it', async () => {
    const t = await token({ iat: now(), exp: now() + 120 });
    expect(verifiedSubject(secret, t)).toBeUndefined(); // never verified
    expect(await verifyAccessToken(secret, t)).toEqual({ sub });
    expect(verifiedSubject(secret, t)).toBe(sub); // the authenticate middleware's synchronous hit
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + 100_000);
    expect(verifiedSubject(secret, t)).toBe(sub);
    expect(await verifyAccessToken(secret, t)).toEqual({ sub }); // still inside exp
    vi.setSystemTime(Date.now() + 60_000); // 160 s: past exp + the 30 s tolerance
    expect(verifiedSubject(secret, t)).toBeUndefined();
    expect(await verifyAccessToken(secret, t)).toBeNull();
  });

  it('a token verified once is refused an hour after its iat, whatever its exp', async () => {
    const t = await token({ iat: now(), exp: now() + 10 * 86400 });
    expect(await verifyAccessToken(secret, t)).toEqual({ sub });
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + (3600 + 60) * 1000);
    expect(await verifyAccessToken(secret, t)).toBeNull();
  });

  it('another signature or another secret is not a hit', async () => {
    const t = await signAccessToken(secret, { id: sub, role: 'admin', tier: 'premium' });
    expect(await verifyAccessToken(secret, t)).toEqual({ sub });
    const [h, p, sig = ''] = t.split('.');
    const forged = `${h}.${p}.${sig.slice(0, -2)}${sig.endsWith('AA') ? 'BB' : 'AA'}`;
    expect(await verifyAccessToken(secret, forged)).toBeNull();
    expect(await verifyAccessToken('z'.repeat(64), t)).toBeNull();
    expect(verifiedSubject('z'.repeat(64), t)).toBeUndefined();
    expect(verifiedSubject(secret, forged)).toBeUndefined();
    expect(await verifyAccessToken(secret, t)).toEqual({ sub });
  });
});
