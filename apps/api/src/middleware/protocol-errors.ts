import type { Server } from 'node:http';
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { Hono } from 'hono';
import type { AppEnv } from '../context.ts';
import { errorBody } from '../errors.ts';
import { requestId } from './request-id.ts';
import { standardHeaders } from './standard-headers.ts';

// Errors Node's HTTP parser answers before any route runs: a malformed request (400) or headers
// past --max-http-header-size (431). By default Node writes a bare status line; here they get the
// contract's body and standard headers, built by the same middlewares as every other answer.

const MESSAGES: Record<number, { title: string; message: string }> = {
  400: { title: errorBody(400, '').error, message: 'Malformed HTTP request' },
  431: { title: 'Request Header Fields Too Large', message: 'Request headers too large' },
};

const answers = new Hono<AppEnv>();
answers.use(requestId());
answers.use(standardHeaders());
answers.all('/:status', (c) => {
  const status = c.req.param('status') === '431' ? 431 : 400;
  const m = MESSAGES[status] as { title: string; message: string };
  return c.json({ error: m.title, message: m.message }, status, { Connection: 'close' });
});

/** The raw HTTP/1.1 bytes of the contract-shaped answer for a parser error. */
export async function protocolErrorResponse(status: 400 | 431): Promise<string> {
  const res = await answers.request(`/${status}`);
  const body = Buffer.from(await res.arrayBuffer());
  const lines = [`HTTP/1.1 ${status} ${STATUS_CODES[status]}`];
  res.headers.forEach((v, k) => {
    lines.push(`${k}: ${v}`);
  });
  lines.push(`content-length: ${body.length}`);
  return `${lines.join('\r\n')}\r\n\r\n${body.toString('utf8')}`;
}

/** Answers Node-level 400 and 431 in the contract's shape, then closes the connection. */
export function answerProtocolErrors(server: Server): void {
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    // A peer that went away, or a response already under way: nothing to say to it.
    const sent = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } })._httpMessage?.headersSent;
    if (err.code === 'ECONNRESET' || !socket.writable || sent) {
      socket.destroy();
      return;
    }
    const status = err.code === 'HPE_HEADER_OVERFLOW' ? 431 : 400;
    protocolErrorResponse(status).then(
      (raw) => socket.end(raw),
      () => socket.destroy(),
    );
  });
}
