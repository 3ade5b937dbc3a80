import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context } from 'hono';
import proxyaddr from 'proxy-addr';

/**
 * TRUST_PROXY: the proxies in front of the API, as proxy-addr takes them (addresses, CIDR subnets,
 * or the names loopback / linklocal / uniquelocal), or false for none.
 */
export type TrustProxy = false | readonly string[];

/**
 * The client's address: the socket peer, unless that peer is a trusted proxy, in which case
 * X-Forwarded-For is walked from the right and the first hop that is not a trusted proxy wins
 * (proxy-addr). Entries left of it were written by the client and are never believed, so a
 * forged X-Forwarded-For cannot change whose budget a request spends.
 */
export function clientAddress(trust: TrustProxy): (c: Context) => string {
  const none = trust === false || trust.length === 0;
  const trusted = none ? () => false : proxyaddr.compile([...trust]);
  return (c) => {
    let peer: string | undefined;
    try {
      peer = getConnInfo(c).remote.address;
    } catch {
      // app.request() in tests has no socket.
    }
    if (!peer) return 'unknown';
    // No proxy trusted: the peer is the client whatever X-Forwarded-For says (what proxy-addr
    // answers then), without building its request object per request.
    if (none) return peer.slice(0, 64);
    const forwarded = c.req.header('X-Forwarded-For');
    const req = {
      headers: forwarded === undefined ? {} : { 'x-forwarded-for': forwarded },
      connection: { remoteAddress: peer },
      socket: { remoteAddress: peer },
    };
    try {
      return proxyaddr(req as unknown as Parameters<typeof proxyaddr>[0], trusted).slice(0, 64);
    } catch {
      return peer.slice(0, 64);
    }
  };
}
