// A stand-in for kagent's A2A endpoint at the wire: `POST /api/a2a/{namespace}/{agent}/` speaking
// JSON-RPC 2.0 (`message/send` answered with a completed Task whose artifact holds the agent's text; other
// methods -32601; bad JSON -32700; a bad request -32600/-32602), `GET .../.well-known/agent.json` serving
// the agent card, 404 for agents that do not exist. The answer comes from investigating the cluster
// (investigate.ts) unless a `respond` function is given. Modes make it fail the ways a server does.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type ClusterAccess, HALLUCINATION, investigate } from './investigate.ts';

export type A2AMode =
  | 'answer'
  | 'hallucinate'
  | 'task-failed'
  | 'input-required'
  | 'http-500'
  | 'hang'
  | 'rpc-error';

export type A2AFixtureOptions = {
  /** Agents served, as "namespace/name". Default ["kagent/k8s-agent"]. */
  agents?: string[];
  /** The cluster the agent investigates. */
  cluster?: ClusterAccess;
  /** Overrides the investigation (tests of parsing edge cases). */
  respond?: (prompt: string) => string | Promise<string>;
  mode?: A2AMode;
  /** Answer as a Message instead of a Task. */
  asMessage?: boolean;
};

export type A2ARequest = { path: string; body: unknown };

export type A2AFixture = {
  url: string;
  requests: A2ARequest[];
  setMode(mode: A2AMode): void;
  close(): Promise<void>;
};

function send(res: ServerResponse, code: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(code, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

const rpcError = (id: unknown, code: number, message: string) => ({
  jsonrpc: '2.0',
  id: id ?? null,
  error: { code, message },
});

export async function startA2AFixture(opts: A2AFixtureOptions = {}): Promise<A2AFixture> {
  const agents = new Set(opts.agents ?? ['kagent/k8s-agent']);
  let mode: A2AMode = opts.mode ?? 'answer';
  const requests: A2ARequest[] = [];
  const hung = new Set<ServerResponse>();

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://a2a');
    const m = /^\/api\/a2a\/([^/]+)\/([^/]+)\/?(\.well-known\/agent(?:-card)?\.json)?$/.exec(url.pathname);
    if (!m || !agents.has(`${m[1]}/${m[2]}`)) return send(res, 404, { error: 'agent not found' });
    if (m[3] && req.method === 'GET') {
      return send(res, 200, {
        name: m[2],
        description: 'Kubernetes troubleshooting agent (Slipway A2A fixture)',
        url: `http://${req.headers.host}/api/a2a/${m[1]}/${m[2]}/`,
        version: '0.0.0',
        protocolVersion: '0.3.0',
        capabilities: { streaming: false },
        defaultInputModes: ['text'],
        defaultOutputModes: ['text'],
        skills: [
          {
            id: 'k8s-debug',
            name: 'Debug workloads',
            description: 'Finds why workloads fail',
            tags: ['k8s'],
          },
        ],
      });
    }
    if (req.method !== 'POST') return send(res, 405, { error: 'method not allowed' });
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    let body: {
      jsonrpc?: string;
      id?: unknown;
      method?: string;
      params?: { message?: { parts?: { kind?: string; text?: string }[]; messageId?: string } };
    };
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      return send(res, 200, rpcError(null, -32700, 'Parse error'));
    }
    requests.push({ path: url.pathname, body });
    if (body.jsonrpc !== '2.0' || typeof body.method !== 'string')
      return send(res, 200, rpcError(body.id, -32600, 'Invalid Request'));
    if (body.method !== 'message/send') return send(res, 200, rpcError(body.id, -32601, 'Method not found'));
    const parts = body.params?.message?.parts;
    const prompt = (parts ?? [])
      .filter((p) => p.kind === 'text')
      .map((p) => p.text ?? '')
      .join('\n');
    if (!prompt) return send(res, 200, rpcError(body.id, -32602, 'Invalid params: message has no text part'));
    if (mode === 'hang') {
      hung.add(res);
      return;
    }
    if (mode === 'http-500') return send(res, 500, { error: 'internal error' });
    if (mode === 'rpc-error')
      return send(res, 200, rpcError(body.id, -32603, 'Internal error: model provider unavailable'));
    const contextId = randomUUID();
    const taskId = randomUUID();
    const userMsg = {
      kind: 'message',
      role: 'user',
      parts,
      messageId: body.params?.message?.messageId,
      contextId,
      taskId,
    };
    if (mode === 'task-failed' || mode === 'input-required') {
      return send(res, 200, {
        jsonrpc: '2.0',
        id: body.id,
        result: {
          kind: 'task',
          id: taskId,
          contextId,
          status: {
            state: mode === 'task-failed' ? 'failed' : 'input-required',
            message: {
              kind: 'message',
              role: 'agent',
              messageId: randomUUID(),
              parts: [
                {
                  kind: 'text',
                  text:
                    mode === 'task-failed' ? 'tool call failed: kubectl not permitted' : 'Which namespace?',
                },
              ],
            },
            timestamp: new Date().toISOString(),
          },
          history: [userMsg],
        },
      });
    }
    const text =
      mode === 'hallucinate'
        ? HALLUCINATION
        : opts.respond
          ? await opts.respond(prompt)
          : opts.cluster
            ? await investigate(opts.cluster, prompt)
            : 'No cluster to look at.';
    if (opts.asMessage) {
      return send(res, 200, {
        jsonrpc: '2.0',
        id: body.id,
        result: {
          kind: 'message',
          role: 'agent',
          messageId: randomUUID(),
          parts: [{ kind: 'text', text }],
          contextId,
        },
      });
    }
    return send(res, 200, {
      jsonrpc: '2.0',
      id: body.id,
      result: {
        kind: 'task',
        id: taskId,
        contextId,
        status: { state: 'completed', timestamp: new Date().toISOString() },
        artifacts: [{ artifactId: randomUUID(), parts: [{ kind: 'text', text }] }],
        history: [
          userMsg,
          {
            kind: 'message',
            role: 'agent',
            messageId: randomUUID(),
            parts: [{ kind: 'text', text }],
            contextId,
            taskId,
          },
        ],
        metadata: { kagent_usage_metadata: { totalTokenCount: 0 } },
      },
    });
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) =>
      send(res, 500, { error: e instanceof Error ? e.message : String(e) }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    setMode: (m) => {
      mode = m;
    },
    close: async () => {
      for (const r of hung) r.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
