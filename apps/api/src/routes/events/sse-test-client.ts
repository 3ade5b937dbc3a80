import type { Server } from 'node:http';
import { serve } from '@hono/node-server';
import type { App } from '../../app.ts';

// Test support: an app served over real HTTP (streaming, disconnects and backpressure behave as in
// production) and a minimal reader of the SSE wire format (fields per the WHATWG spec).

export type SseMessage = { id?: string; event?: string; data: string };

export async function listen(app: App): Promise<{ base: string; close(): Promise<void> }> {
  const server = await new Promise<Server>((ok) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => ok(s as Server));
  });
  const a = server.address();
  const port = typeof a === 'object' && a ? a.port : 0;
  return {
    base: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((ok) => {
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}

export type OpenStream = {
  status: number;
  headers: Headers;
  /** The error body when the stream was refused. */
  body?: unknown;
  messages: SseMessage[];
  comments: string[];
  /** Resolves when the server ended the stream. */
  ended: Promise<void>;
  isEnded(): boolean;
  /** Waits until `pred` holds for the messages received so far. */
  until(pred: (m: SseMessage[]) => boolean, what?: string, timeoutMs?: number): Promise<SseMessage[]>;
  untilComment(text: string, timeoutMs?: number): Promise<void>;
  close(): void;
};

export async function openStream(
  url: string,
  token: string | null,
  headers: Record<string, string> = {},
): Promise<OpenStream> {
  const ac = new AbortController();
  const h: Record<string, string> = { Accept: 'text/event-stream', ...headers };
  if (token) h.Authorization = `Bearer ${token}`;
  const res = await fetch(url, { headers: h, signal: ac.signal });
  const messages: SseMessage[] = [];
  const comments: string[] = [];
  const listeners = new Set<() => void>();
  const changed = () => {
    for (const l of listeners) l();
  };
  let ended = false;
  const out: OpenStream = {
    status: res.status,
    headers: res.headers,
    messages,
    comments,
    ended: Promise.resolve(),
    isEnded: () => ended,
    async until(pred, what = 'condition', timeoutMs = 10_000) {
      if (pred(messages)) return messages;
      await new Promise<void>((ok, fail) => {
        const t = setTimeout(() => {
          listeners.delete(check);
          fail(new Error(`timed out waiting for ${what}; got ${JSON.stringify(messages)}`));
        }, timeoutMs);
        const check = () => {
          if (pred(messages)) {
            clearTimeout(t);
            listeners.delete(check);
            ok();
          }
        };
        listeners.add(check);
      });
      return messages;
    },
    async untilComment(text, timeoutMs = 10_000) {
      await new Promise<void>((ok, fail) => {
        const t = setTimeout(() => fail(new Error(`no comment ${text}`)), timeoutMs);
        const check = () => {
          if (comments.includes(text)) {
            clearTimeout(t);
            listeners.delete(check);
            ok();
          }
        };
        listeners.add(check);
        check();
      });
    },
    close: () => ac.abort(),
  };
  if (!res.headers.get('content-type')?.startsWith('text/event-stream')) {
    out.body = await res.json().catch(() => null);
    ended = true;
    return out;
  }
  out.ended = (async () => {
    const decoder = new TextDecoder();
    let buf = '';
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buf += decoder.decode(chunk, { stream: true });
        let i = buf.search(/\r?\n\r?\n/);
        while (i >= 0) {
          const block = buf.slice(0, i);
          buf = buf.slice(i).replace(/^\r?\n\r?\n/, '');
          const m: SseMessage = { data: '' };
          const data: string[] = [];
          let isMessage = false;
          for (const line of block.split(/\r?\n/)) {
            if (line.startsWith(':')) comments.push(line.slice(1).trim());
            const [k, ...rest] = line.split(':');
            const v = rest.join(':').replace(/^ /, '');
            if (k === 'data') {
              data.push(v);
              isMessage = true;
            } else if (k === 'id') m.id = v;
            else if (k === 'event') m.event = v;
          }
          if (isMessage) {
            m.data = data.join('\n');
            messages.push(m);
          }
          changed();
          i = buf.search(/\r?\n\r?\n/);
        }
      }
    } catch {
      // aborted by close()
    } finally {
      ended = true;
      changed();
    }
  })();
  return out;
}
