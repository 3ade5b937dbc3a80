// Agent adapters. `ai_agent` names who should answer: 'kubectl-ai' runs the kubectl-ai CLI when it is
// configured (kubectl-ai.ts), 'kagent' asks kagent over A2A (kagent.ts); anything else, or a requested
// agent that is not available, is the built-in rules analyzer, optionally worded by an LLM (llm-agent.ts).
// Results always name the `engine` that produced them, and a `note` says when the requested agent did not.
import { type AnalyzeOptions, analyzeCluster } from '../analyze/analyze-cluster.ts';
import { type DebugOptions, debugWorkload } from '../debug/debug-workload.ts';
import type { AnalyzeInput, AnalyzeResult, DebugInput, DebugResult } from '../types.ts';
import { KagentAgent, type KagentConfig } from './kagent.ts';
import { KubectlAiAgent, type KubectlAiConfig } from './kubectl-ai.ts';
import { LlmAgent } from './llm-agent.ts';

export const KNOWN_AGENTS = ['kubectl-ai', 'kagent'] as const;
export type KnownAgent = (typeof KNOWN_AGENTS)[number];

export function isKnownAgent(name: string): name is KnownAgent {
  return (KNOWN_AGENTS as readonly string[]).includes(name);
}

export interface AiAgent {
  /** The requested `ai_agent`, echoed in results. */
  readonly name: string;
  debug(input: DebugInput): Promise<DebugResult>;
  analyze(input: AnalyzeInput): Promise<AnalyzeResult>;
}

export type RuleOptions = DebugOptions & Pick<AnalyzeOptions, 'utilization' | 'clusterPressurePercent'>;

/** The deterministic rules. Async only to share the AiAgent interface; it does no I/O. */
export class BuiltInAgent implements AiAgent {
  readonly name: string;
  readonly #opts: RuleOptions;

  constructor(name = 'built-in', opts: RuleOptions = {}) {
    this.name = name;
    this.#opts = opts;
  }

  async debug(input: DebugInput): Promise<DebugResult> {
    return { ...debugWorkload(input, this.#opts), engine: 'rules', agent: this.name };
  }

  async analyze(input: AnalyzeInput): Promise<AnalyzeResult> {
    return { ...analyzeCluster(input, this.#opts), engine: 'rules', agent: this.name };
  }
}

/**
 * Flat, mirroring the worker's config keys (AI_LLM_URL, AI_LLM_MODEL, AI_LLM_API_KEY), which the composition
 * root parses and passes down. No `llmUrl` (or an empty one) means rules only.
 */
export type AgentOptions = RuleOptions & {
  llmUrl?: string | null;
  model?: string;
  apiKey?: string;
  /** LLM request budget; default DEFAULT_LLM_TIMEOUT_MS. */
  llmTimeoutMs?: number;
  /** Cancellation of the LLM call (the operation's signal); kubectl-ai and kagent take theirs in their config. */
  signal?: AbortSignal;
  /** kubectl-ai, when installed (KUBECTL_AI_BIN resolved by the worker). */
  kubectlAi?: KubectlAiConfig | null;
  /** kagent, when configured (KAGENT_URL). */
  kagent?: KagentConfig | null;
  /** Why kubectl-ai / kagent cannot run here although configured (said in the note instead of "not installed"). */
  kubectlAiUnavailable?: string;
  kagentUnavailable?: string;
};

/** Adds a note to every result of `inner` (the requested agent is not the one answering). */
class NotedAgent implements AiAgent {
  readonly name: string;
  readonly #inner: AiAgent;
  readonly #note: string;
  constructor(inner: AiAgent, note: string) {
    this.name = inner.name;
    this.#inner = inner;
    this.#note = note;
  }
  async debug(input: DebugInput): Promise<DebugResult> {
    const r = await this.#inner.debug(input);
    return { ...r, note: r.note ? `${this.#note}; ${r.note}` : this.#note };
  }
  async analyze(input: AnalyzeInput): Promise<AnalyzeResult> {
    const r = await this.#inner.analyze(input);
    return { ...r, note: r.note ? `${this.#note}; ${r.note}` : this.#note };
  }
}

/**
 * `kubectl-ai` and `kagent` run for real when configured; otherwise (and for any other name) the rules
 * answer, worded by the LLM when one is configured, and a note says the requested agent did not run.
 */
export function createAgent(name: string, opts: AgentOptions = {}): AiAgent {
  const {
    llmUrl,
    model,
    apiKey,
    llmTimeoutMs,
    signal,
    kubectlAi,
    kagent,
    kubectlAiUnavailable,
    kagentUnavailable,
    ...rules
  } = opts;
  const label = name.trim() === '' ? 'built-in' : name.trim();
  const builtIn = new BuiltInAgent(label, rules);
  const fallback: AiAgent = llmUrl
    ? new LlmAgent(builtIn, { url: llmUrl, model, apiKey, timeoutMs: llmTimeoutMs, signal })
    : builtIn;
  const answeredBy = llmUrl ? 'an LLM over the built-in rules answered' : 'the built-in rules answered';
  if (label === 'kubectl-ai') {
    if (kubectlAi && !kubectlAiUnavailable) return new KubectlAiAgent(label, builtIn, kubectlAi);
    return new NotedAgent(
      fallback,
      `${kubectlAiUnavailable ?? 'kubectl-ai is not installed (set KUBECTL_AI_BIN)'}; ${answeredBy}`,
    );
  }
  if (label === 'kagent') {
    if (kagent && !kagentUnavailable) return new KagentAgent(label, builtIn, kagent);
    return new NotedAgent(
      fallback,
      `${kagentUnavailable ?? 'kagent is not configured (set KAGENT_URL)'}; ${answeredBy}`,
    );
  }
  return fallback;
}
