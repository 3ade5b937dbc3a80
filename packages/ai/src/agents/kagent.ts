// kagent (kagent-dev/kagent) over A2A: JSON-RPC 2.0 `message/send` to the controller's A2A endpoint
// `<KAGENT_URL>/api/a2a/<namespace>/<agent>/` (port 8083 on the kagent-controller Service). The answer is
// a Task (its artifacts' text parts, or its status message) or a Message. Grounded like any outside answer.
import { randomUUID } from 'node:crypto';
import type { AiAgent } from './agent.ts';
import { type AgentCall, AgentUnavailable, ExternalAgent } from './external.ts';

export type KagentConfig = {
  /** Base URL of the kagent controller (KAGENT_URL), e.g. http://kagent-controller.kagent:8083. */
  url: string;
  /** Namespace and name of the Agent resource. Default kagent/k8s-agent. */
  namespace?: string;
  agent?: string;
  /** Bearer token, when the endpoint sits behind auth. */
  apiKey?: string;
  /** Whole request budget. Default 120 s. */
  timeoutMs?: number;
  signal?: AbortSignal;
};

export const DEFAULT_KAGENT_TIMEOUT_MS = 120_000;

export function a2aEndpoint(cfg: Pick<KagentConfig, 'url' | 'namespace' | 'agent'>): string {
  const base = cfg.url.replace(/\/+$/, '');
  return `${base}/api/a2a/${encodeURIComponent(cfg.namespace ?? 'kagent')}/${encodeURIComponent(cfg.agent ?? 'k8s-agent')}/`;
}

type Part = { kind?: string; text?: string };
type A2AMessage = { kind?: string; role?: string; parts?: Part[] };
type A2ATask = {
  kind?: string;
  status?: { state?: string; message?: A2AMessage };
  artifacts?: { parts?: Part[] }[];
  history?: A2AMessage[];
};

function texts(parts: Part[] | undefined): string {
  return (parts ?? [])
    .filter((p) => (p.kind ?? 'text') === 'text' && typeof p.text === 'string')
    .map((p) => p.text)
    .join('\n')
    .trim();
}

/** The agent's answer in an A2A `message/send` result, or an error saying why there is none. */
export function answerOf(result: unknown): string {
  const r = (result ?? {}) as A2ATask & A2AMessage;
  if (r.kind === 'message') return texts(r.parts);
  const state = r.status?.state;
  if (state === 'failed' || state === 'rejected' || state === 'canceled') {
    throw new AgentUnavailable(
      'failed',
      `task ${state}${texts(r.status?.message?.parts) ? `: ${texts(r.status?.message?.parts)}` : ''}`,
    );
  }
  if (state === 'input-required' || state === 'auth-required')
    throw new AgentUnavailable('failed', `the agent asked for more input (${state})`);
  const fromArtifacts = (r.artifacts ?? [])
    .map((a) => texts(a.parts))
    .filter(Boolean)
    .join('\n');
  if (fromArtifacts) return fromArtifacts;
  const fromStatus = texts(r.status?.message?.parts);
  if (fromStatus) return fromStatus;
  const lastAgent = [...(r.history ?? [])].reverse().find((m) => m.role === 'agent');
  return texts(lastAgent?.parts);
}

export class KagentAgent extends ExternalAgent {
  protected readonly engine = 'kagent' as const;
  readonly #cfg: KagentConfig;

  constructor(name: string, rules: AiAgent, cfg: KagentConfig) {
    super(name, rules);
    this.#cfg = cfg;
  }

  protected signal(): AbortSignal {
    return this.#cfg.signal ?? new AbortController().signal;
  }

  protected async ask(call: AgentCall): Promise<string> {
    const cfg = this.#cfg;
    const timeoutMs = cfg.timeoutMs ?? DEFAULT_KAGENT_TIMEOUT_MS;
    const signal = AbortSignal.any([call.signal, AbortSignal.timeout(timeoutMs)]);
    const id = randomUUID();
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      accept: 'application/json',
    };
    if (cfg.apiKey) headers.authorization = `Bearer ${cfg.apiKey}`;
    let res: Response;
    try {
      res = await fetch(a2aEndpoint(cfg), {
        method: 'POST',
        headers,
        signal,
        body: JSON.stringify({
          jsonrpc: '2.0',
          id,
          method: 'message/send',
          params: {
            message: {
              kind: 'message',
              role: 'user',
              messageId: randomUUID(),
              parts: [{ kind: 'text', text: call.prompt }],
            },
            configuration: { acceptedOutputModes: ['text'], blocking: true },
          },
        }),
      });
    } catch (e) {
      if (call.signal.aborted) throw new AgentUnavailable('cancelled', 'cancelled');
      if (signal.aborted) throw new AgentUnavailable('timeout', `no answer within ${timeoutMs} ms`);
      const cause = (e as { cause?: { code?: string } }).cause?.code;
      throw new AgentUnavailable(
        cause === 'ECONNREFUSED' || cause === 'ENOTFOUND' ? 'not-installed' : 'failed',
        `${a2aEndpoint(cfg)}: ${cause ?? (e instanceof Error ? e.message : String(e))}`,
      );
    }
    let text: string;
    try {
      text = await res.text();
    } catch {
      throw new AgentUnavailable(call.signal.aborted ? 'cancelled' : 'timeout', 'the response was cut off');
    }
    if (res.status === 404)
      throw new AgentUnavailable('not-installed', `no agent at ${a2aEndpoint(cfg)} (HTTP 404)`);
    if (!res.ok) throw new AgentUnavailable('failed', `HTTP ${res.status}: ${text.slice(0, 200)}`);
    let body: {
      jsonrpc?: string;
      id?: unknown;
      result?: unknown;
      error?: { code?: number; message?: string };
    };
    try {
      body = JSON.parse(text);
    } catch {
      throw new AgentUnavailable('protocol', 'the A2A endpoint did not answer JSON');
    }
    if (body.error)
      throw new AgentUnavailable('failed', `JSON-RPC error ${body.error.code}: ${body.error.message}`);
    if (body.jsonrpc !== '2.0' || body.id !== id)
      throw new AgentUnavailable('protocol', 'not a JSON-RPC 2.0 answer to this request');
    return answerOf(body.result);
  }
}
