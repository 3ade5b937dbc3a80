// Optional LLM layer over the rules: it sends the snapshot, the rule findings and their numbered evidence to
// an OpenAI-compatible chat-completions endpoint and lets the model phrase the analysis. The model may only
// reword and prioritize: findings, evidence and utilization numbers stay the rules' own, the answer must
// cite evidence by index, and on any error, timeout or malformed answer the built-in result is returned.
import type { WorkloadSnapshot } from '@slipway/drivers';
import type { AnalyzeInput, AnalyzeResult, DebugInput, DebugResult, Evidence } from '../types.ts';
import type { AiAgent } from './agent.ts';
import { checkGrounding } from './grounding.ts';

export type LlmConfig = {
  /** Base URL (".../v1") or the full ".../chat/completions" endpoint. */
  url: string;
  model?: string;
  apiKey?: string;
  /** Whole request budget; past it the built-in result is used. Default 20 s. */
  timeoutMs?: number;
  /** Cancellation (the operation's signal): the request is aborted and the call rejects, no fallback. */
  signal?: AbortSignal | undefined;
};

export const DEFAULT_LLM_TIMEOUT_MS = 20_000;
export const DEFAULT_LLM_MODEL = 'gpt-4o-mini';

export type LlmAnswer = { analysis: string; recommendations: string[]; evidence: number[] };

export function chatCompletionsUrl(url: string): string {
  const trimmed = url.replace(/\/+$/, '');
  return trimmed.endsWith('/chat/completions') ? trimmed : `${trimmed}/chat/completions`;
}

const SYSTEM_PROMPT = [
  'You are a Kubernetes operations assistant.',
  'You receive cluster state and findings from deterministic rules, with a numbered evidence list.',
  'Explain the most likely root cause first, in one or two sentences, and give concrete recommendations.',
  'Use only facts present in the input; never invent names, numbers, errors or resources.',
  'Reply with only a JSON object: {"analysis": string, "recommendations": string[], "evidence": number[]}',
  'where "evidence" lists the indices of the evidence items your analysis relies on.',
].join(' ');

function clip(s: string, max = 500): string {
  return s.length > max ? `${s.slice(0, max)}…` : s;
}

/** Bounded copy of a snapshot for the prompt: latest events and log lines only. */
export function promptSnapshot(s: WorkloadSnapshot): WorkloadSnapshot {
  return {
    deployment: s.deployment,
    pods: s.pods.slice(0, 20),
    events: [...s.events]
      .sort((a, b) => (a.at < b.at ? 1 : -1))
      .slice(0, 30)
      .map((e) => ({ ...e, message: clip(e.message) })),
    logs: s.logs?.slice(-40).map((l) => clip(l)),
  };
}

/** Accepts the object bare or inside a ```json fence; anything else is an error (and means fallback). */
export function parseLlmAnswer(content: string, evidenceCount: number): LlmAnswer {
  const start = content.indexOf('{');
  const end = content.lastIndexOf('}');
  if (start < 0 || end <= start) throw new Error('LLM answer contains no JSON object');
  let value: unknown;
  try {
    value = JSON.parse(content.slice(start, end + 1));
  } catch {
    throw new Error('LLM answer is not valid JSON');
  }
  if (typeof value !== 'object' || value === null) throw new Error('LLM answer is not an object');
  const o = value as Record<string, unknown>;
  if (typeof o.analysis !== 'string' || o.analysis.trim() === '')
    throw new Error('LLM answer has no analysis');
  const recommendations = Array.isArray(o.recommendations)
    ? o.recommendations
        .filter((r): r is string => typeof r === 'string' && r.trim() !== '')
        .map((r) => r.trim())
    : [];
  const evidence = Array.isArray(o.evidence)
    ? o.evidence.filter((i): i is number => Number.isInteger(i) && i >= 0 && i < evidenceCount)
    : [];
  // An explanation citing nothing it was given is not grounded; the rules' own wording is used instead.
  if (evidenceCount > 0 && evidence.length === 0) throw new Error('LLM answer cites no valid evidence');
  return { analysis: o.analysis.trim(), recommendations, evidence };
}

function numbered(evidence: Evidence[]): { index: number; kind: string; source: string; detail: string }[] {
  return evidence.map((e, index) => ({ index, ...e }));
}

function describeError(err: unknown, timeoutMs: number): string {
  if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')) {
    return `LLM request timed out after ${timeoutMs}ms`;
  }
  return err instanceof Error ? err.message : String(err);
}

export class LlmAgent implements AiAgent {
  readonly name: string;
  readonly #rules: AiAgent;
  readonly #config: LlmConfig;

  /** `rules` produces the findings and is the fallback; its name labels this agent too. */
  constructor(rules: AiAgent, config: LlmConfig) {
    this.name = rules.name;
    this.#rules = rules;
    this.#config = config;
  }

  async debug(input: DebugInput): Promise<DebugResult> {
    const base = await this.#rules.debug(input);
    const payload = {
      agent: this.name,
      task: 'debug',
      issue: input.issue ?? null,
      deployment: input.name ?? null,
      snapshot: promptSnapshot(input.snapshot),
      findings: base.findings.map(({ rule, severity, message, recommendations }) => ({
        rule,
        severity,
        message,
        recommendations,
      })),
      evidence: numbered(base.evidence),
    };
    try {
      const answer = await this.#ask(payload, base.evidence.length);
      // Citing indices is not enough: the wording must not name a failure the snapshot does not show,
      // nor leave out the root cause the rules found.
      const verdict = checkGrounding(answer.analysis, {
        snapshot: input.snapshot,
        evidence: base.evidence,
        findings: base.findings,
        ...(base.root_cause ? { root: base.root_cause } : {}),
      });
      if (!verdict.ok) throw new Error(`LLM answer not grounded: ${verdict.reason}`);
      return {
        ...base,
        engine: 'llm',
        analysis: answer.analysis,
        recommendations: answer.recommendations.length > 0 ? answer.recommendations : base.recommendations,
      };
    } catch (err) {
      this.#config.signal?.throwIfAborted();
      const why = describeError(err, this.#timeoutMs());
      return {
        ...base,
        llmError: why,
        note: `the LLM's answer was not used (${why}); the built-in rules answered`,
      };
    }
  }

  async analyze(input: AnalyzeInput): Promise<AnalyzeResult> {
    const base = await this.#rules.analyze(input);
    const payload = {
      agent: this.name,
      task: 'analyze',
      analysis_type: base.analysis_type,
      resource_utilization: base.resource_utilization,
      utilization: base.utilization,
      findings: base.findings.map(({ rule, severity, message, workload }) => ({
        rule,
        severity,
        message,
        workload,
      })),
      rule_recommendations: base.recommendations,
      evidence: numbered(base.evidence),
    };
    try {
      const answer = await this.#ask(payload, base.evidence.length);
      // Utilization numbers are never taken from the model: they stay computed from the snapshot.
      return {
        ...base,
        engine: 'llm',
        summary: answer.analysis,
        recommendations: answer.recommendations.length > 0 ? answer.recommendations : base.recommendations,
      };
    } catch (err) {
      this.#config.signal?.throwIfAborted();
      return { ...base, llmError: describeError(err, this.#timeoutMs()) };
    }
  }

  #timeoutMs(): number {
    return this.#config.timeoutMs ?? DEFAULT_LLM_TIMEOUT_MS;
  }

  async #ask(payload: unknown, evidenceCount: number): Promise<LlmAnswer> {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (this.#config.apiKey) headers.authorization = `Bearer ${this.#config.apiKey}`;
    const res = await fetch(chatCompletionsUrl(this.#config.url), {
      method: 'POST',
      headers,
      body: JSON.stringify({
        model: this.#config.model ?? DEFAULT_LLM_MODEL,
        temperature: 0,
        messages: [
          { role: 'system', content: SYSTEM_PROMPT },
          { role: 'user', content: JSON.stringify(payload) },
        ],
      }),
      signal: this.#config.signal
        ? AbortSignal.any([this.#config.signal, AbortSignal.timeout(this.#timeoutMs())])
        : AbortSignal.timeout(this.#timeoutMs()),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`LLM endpoint answered HTTP ${res.status}: ${clip(text, 200)}`);
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new Error('LLM endpoint did not return JSON');
    }
    const content = (body as { choices?: { message?: { content?: unknown } }[] }).choices?.[0]?.message
      ?.content;
    if (typeof content !== 'string') throw new Error('LLM response has no choices[0].message.content');
    return parseLlmAnswer(content, evidenceCount);
  }
}
