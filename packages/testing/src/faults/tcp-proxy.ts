// A small TCP fault proxy (node:net) between a process and Postgres or Redis: pass bytes through,
// reset every connection (RST, as a dropped NAT entry or a restarted load balancer does), stall
// (accept and read but forward nothing, as a black-holed link does) and resume.
import { createConnection, createServer, type Server, type Socket } from 'node:net';

type Pair = { client: Socket; upstream: Socket | null; held: { to: 'up' | 'down'; data: Buffer }[] };

export type ProxyMode = 'pass' | 'stall';

export class FaultProxy {
  readonly port: number;
  readonly targetPort: number;
  private readonly server: Server;
  private readonly targetHost: string;
  private readonly pairs = new Set<Pair>();
  private mode: ProxyMode = 'pass';
  /** Connections accepted so far (a reconnecting client shows up here). */
  accepted = 0;

  private constructor(server: Server, port: number, targetHost: string, targetPort: number) {
    this.server = server;
    this.port = port;
    this.targetHost = targetHost;
    this.targetPort = targetPort;
  }

  /** Listens on a free 127.0.0.1 port and forwards to `targetPort`. */
  static async start(targetPort: number, targetHost = '127.0.0.1'): Promise<FaultProxy> {
    const server = createServer();
    const port = await new Promise<number>((ok, fail) => {
      server.once('error', fail);
      server.listen(0, '127.0.0.1', () => {
        const a = server.address();
        ok(typeof a === 'object' && a ? a.port : 0);
      });
    });
    const proxy = new FaultProxy(server, port, targetHost, targetPort);
    server.on('connection', (c) => proxy.accept(c));
    return proxy;
  }

  get state(): ProxyMode {
    return this.mode;
  }

  get connections(): number {
    return this.pairs.size;
  }

  /** Rewrites the port of a postgres:// or redis:// URL to go through this proxy. */
  wrap(url: string): string {
    const u = new URL(url);
    u.hostname = '127.0.0.1';
    u.port = String(this.port);
    return u.toString();
  }

  /** Stop forwarding in both directions; new connections are accepted but not connected upstream. */
  stall(): void {
    this.mode = 'stall';
    for (const p of this.pairs) {
      p.client.pause();
      p.upstream?.pause();
    }
  }

  /** Forward again: held bytes first, then connect the connections that arrived while stalled. */
  resume(): void {
    this.mode = 'pass';
    for (const p of this.pairs) {
      if (!p.upstream) this.connectUpstream(p);
      this.flush(p);
      p.client.resume();
      p.upstream?.resume();
    }
  }

  /** Sends RST on every open connection (both sides); the proxy keeps accepting new ones. */
  reset(): void {
    for (const p of [...this.pairs]) this.drop(p, true);
  }

  async close(): Promise<void> {
    this.reset();
    await new Promise<void>((ok) => this.server.close(() => ok()));
  }

  private accept(client: Socket): void {
    this.accepted++;
    const pair: Pair = { client, upstream: null, held: [] };
    this.pairs.add(pair);
    client.setNoDelay(true);
    client.on('data', (data) => {
      if (this.mode === 'stall' || !pair.upstream || pair.upstream.connecting) {
        pair.held.push({ to: 'up', data });
        if (this.mode === 'stall') client.pause();
        return;
      }
      pair.upstream.write(data);
    });
    client.on('error', () => this.drop(pair, false));
    client.on('close', () => this.drop(pair, false));
    if (this.mode === 'stall') client.pause();
    else this.connectUpstream(pair);
  }

  private connectUpstream(pair: Pair): void {
    const up = createConnection({ host: this.targetHost, port: this.targetPort });
    pair.upstream = up;
    up.setNoDelay(true);
    up.on('connect', () => {
      if (this.mode === 'pass') this.flush(pair);
    });
    up.on('data', (data) => {
      if (this.mode === 'stall') {
        pair.held.push({ to: 'down', data });
        up.pause();
        return;
      }
      pair.client.write(data);
    });
    up.on('error', () => this.drop(pair, false));
    up.on('close', () => this.drop(pair, false));
  }

  private flush(pair: Pair): void {
    if (!pair.upstream || pair.upstream.connecting) return;
    const held = pair.held;
    pair.held = [];
    for (const h of held) (h.to === 'up' ? pair.upstream : pair.client).write(h.data);
  }

  private drop(pair: Pair, rst: boolean): void {
    if (!this.pairs.delete(pair)) return;
    for (const s of [pair.client, pair.upstream]) {
      if (!s || s.destroyed) continue;
      try {
        if (rst) s.resetAndDestroy();
        else s.destroy();
      } catch {
        s.destroy();
      }
    }
  }
}
