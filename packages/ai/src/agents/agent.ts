// Agent adapters. `ai_agent` in the API is a label ('kubectl-ai', 'kagent' or anything else): neither tool
// runs inside a worker, so every agent is the built-in rules analyzer under that name, optionally with an
// LLM rewriting the explanation (see llm-agent.ts). Results always say which engine produced them.
import { type AnalyzeOptions, analyzeCluster } from '../analyze/analyze-cluster.ts';
import { type DebugOptions, debugWorkload } from '../debug/debug-workload.ts';
import type { AnalyzeInput, AnalyzeResult, DebugInput, DebugResult } from '../types.ts';
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
};

/** Any name is accepted; unknown agents get the same analyzer, labeled with the name they asked for. */
export function createAgent(name: string, opts: AgentOptions = {}): AiAgent {
  const { llmUrl, model, apiKey, llmTimeoutMs, ...rules } = opts;
  const label = name.trim() === '' ? 'built-in' : name.trim();
  const builtIn = new BuiltInAgent(label, rules);
  if (!llmUrl) return builtIn;
  return new LlmAgent(builtIn, { url: llmUrl, model, apiKey, timeoutMs: llmTimeoutMs });
}
