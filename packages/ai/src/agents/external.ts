// What kubectl-ai and kagent have in common: they get a question, investigate the cluster themselves and
// answer in prose. Their answer is shown only when it passes the grounding check against the snapshot and
// the rules; otherwise (or when the agent could not run) the rules' answer is returned with a `note` that
// says why. The rules always run: findings, evidence and utilization numbers are never an agent's.
import type { WorkloadSnapshot } from '@slipway/drivers';
import type { AnalyzeInput, AnalyzeResult, DebugInput, DebugResult, Engine } from '../types.ts';
import type { AiAgent } from './agent.ts';
import { checkGrounding, listItems, plainText } from './grounding.ts';

export type AgentCall = { prompt: string; signal: AbortSignal };

/** Thrown by an adapter when the agent did not produce an answer (not installed, failed, timed out). */
export class AgentUnavailable extends Error {
  readonly code: 'not-installed' | 'failed' | 'timeout' | 'cancelled' | 'protocol';
  constructor(code: AgentUnavailable['code'], message: string) {
    super(message);
    this.name = 'AgentUnavailable';
    this.code = code;
  }
}

const MAX_ANSWER = 6000;

export function debugPrompt(input: DebugInput, namespace: string): string {
  const name = input.name ?? 'the deployment';
  return [
    `Why is the Kubernetes deployment "${name}" in namespace "${namespace}" not healthy?`,
    input.issue ? `The user reports: ${input.issue.trim()}` : '',
    'Only read the cluster state (get, describe, logs, events); do not change anything.',
    'Name the root cause first, citing the pod, container, event or log line that shows it, then give concrete fixes as a bulleted list.',
  ]
    .filter(Boolean)
    .join('\n');
}

export function analyzePrompt(input: AnalyzeInput): string {
  const names = input.snapshot.workloads.map((w) => `${w.namespace}/${w.name}`).join(', ');
  return [
    `Analyze the workloads ${names || 'in the cluster'} (analysis type: ${input.analysisType ?? 'general'}).`,
    'Only read the cluster state; do not change anything.',
    'List failing workloads first with their root cause and the evidence for it, then resource recommendations as a bulleted list.',
  ].join('\n');
}

/** Runs `ask`, then grounds the answer in the rules' result; any failure becomes a note on the rules' result. */
export abstract class ExternalAgent implements AiAgent {
  readonly name: string;
  protected abstract readonly engine: Exclude<Engine, 'rules' | 'llm'>;
  readonly #rules: AiAgent;

  constructor(name: string, rules: AiAgent) {
    this.name = name;
    this.#rules = rules;
  }

  /** One question to the agent; resolves to its answer text or throws AgentUnavailable. */
  protected abstract ask(call: AgentCall): Promise<string>;
  /** Cancellation of the whole call (the operation's signal); timeouts are the adapter's. */
  protected abstract signal(): AbortSignal;

  async debug(input: DebugInput): Promise<DebugResult> {
    const base = await this.#rules.debug(input);
    // A cluster Slipway knows is not running: nothing to ask an agent about.
    if (base.root_cause?.rule === 'cluster-not-running') {
      return { ...base, agent: this.name, note: `${this.engine} was not asked: the cluster is not running` };
    }
    let answer: string;
    try {
      answer = plainText(
        await this.ask({ prompt: debugPrompt(input, input.namespace ?? 'default'), signal: this.signal() }),
      );
    } catch (e) {
      return { ...base, agent: this.name, note: this.#why(e) };
    }
    return this.#ground(base, answer, input.snapshot);
  }

  async analyze(input: AnalyzeInput): Promise<AnalyzeResult> {
    const base = await this.#rules.analyze(input);
    let answer: string;
    try {
      answer = plainText(await this.ask({ prompt: analyzePrompt(input), signal: this.signal() }));
    } catch (e) {
      return { ...base, agent: this.name, note: this.#why(e) };
    }
    const root = base.findings.find((f) => f.severity === 'error' && !f.symptom);
    const verdict = checkGrounding(answer, {
      evidence: base.evidence,
      findings: base.findings,
      ...(root ? { root: { rule: root.rule, message: root.message } } : {}),
    });
    if (!verdict.ok) {
      return {
        ...base,
        agent: this.name,
        note: `${this.engine} answered, but its answer was not used: ${verdict.reason}`,
      };
    }
    const recs = listItems(answer);
    return {
      ...base,
      agent: this.name,
      engine: this.engine,
      summary: answer.slice(0, MAX_ANSWER),
      // Rules' recommendations stay (they carry API calls); the agent's are added after them.
      recommendations: [...new Set([...base.recommendations, ...recs])],
    };
  }

  #ground(base: DebugResult, answer: string, snapshot: WorkloadSnapshot): DebugResult {
    if (answer === '') {
      return {
        ...base,
        agent: this.name,
        note: `${this.engine} returned an empty answer; the built-in rules answered`,
      };
    }
    const verdict = checkGrounding(answer, {
      snapshot,
      evidence: base.evidence,
      findings: base.findings,
      ...(base.root_cause ? { root: base.root_cause } : {}),
    });
    if (!verdict.ok) {
      return {
        ...base,
        agent: this.name,
        note: `${this.engine} answered, but its answer was not used: ${verdict.reason}`,
      };
    }
    const recs = listItems(answer);
    return {
      ...base,
      agent: this.name,
      engine: this.engine,
      analysis: answer.slice(0, MAX_ANSWER),
      recommendations:
        recs.length > 0 ? [...new Set([...recs, ...base.recommendations])] : base.recommendations,
      cited_evidence: verdict.cited,
    };
  }

  #why(e: unknown): string {
    if (e instanceof AgentUnavailable) {
      return e.code === 'not-installed'
        ? `${this.engine} is not installed or not configured (${e.message}); the built-in rules answered`
        : `${this.engine} did not answer (${e.message}); the built-in rules answered`;
    }
    return `${this.engine} did not answer (${e instanceof Error ? e.message : String(e)}); the built-in rules answered`;
  }
}
