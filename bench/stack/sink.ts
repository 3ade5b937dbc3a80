// A local OTLP/HTTP receiver for the benches: tracing stays on and exports for real, the spans are
// dropped — or, with `dump` (BENCH_SPANS=<file>), each export body (OTLP JSON) is appended to that
// file as one line, so the timeline of each request can be read from the process's own spans.
import { appendFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';

export function otlpSink(dump?: string): Promise<{ url: string; server: Server; bytes: () => number }> {
  let bytes = 0;
  if (dump) writeFileSync(dump, '');
  const server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => {
      bytes += c.length;
      if (dump) parts.push(c);
    });
    req.on('end', () => {
      if (dump) appendFileSync(dump, `${Buffer.concat(parts).toString('utf8').replace(/\n/g, ' ')}\n`);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
    });
  });
  return new Promise((ok) =>
    server.listen(0, '127.0.0.1', () => {
      const a = server.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      ok({ url: `http://127.0.0.1:${port}`, server, bytes: () => bytes });
    }),
  );
}
