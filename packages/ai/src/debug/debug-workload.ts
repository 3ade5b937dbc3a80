// The deterministic debugger: run every rule over one deployment's snapshot, rank the findings against the
// user's issue, and phrase the contract's `analysis` + `recommendations` from them. Pure: no I/O.
import { unique, uniqueEvidence } from '../format.ts';
import type { DebugInput, DebugReport, Finding } from '../types.ts';
import { issueWords, rankFindings, relevance } from './relevance.ts';
import { DEFAULT_THRESHOLDS, type Rule, type RuleContext, type Thresholds } from './rule-context.ts';
import { containerConfigRule } from './rules/container-config.ts';
import { crashLoopRule } from './rules/crash-loop.ts';
import { deploymentAbsentRule, healthyFinding, replicasMismatchRule } from './rules/deployment.ts';
import { imagePullRule } from './rules/image-pull.ts';
import { pendingRule } from './rules/pending.ts';
import { livenessRule, readinessRule } from './rules/probes.ts';
import { highRestartsRule } from './rules/restarts.ts';
import { nearLimitRule } from './rules/usage.ts';
import { warningEventsRule } from './rules/warning-events.ts';

export type DebugOptions = { thresholds?: Partial<Thresholds> };

/** Specific rules; the warning-events catch-all and the healthy verdict run after them. */
export const RULES: Rule[] = [
  deploymentAbsentRule,
  crashLoopRule,
  imagePullRule,
  containerConfigRule,
  pendingRule,
  livenessRule,
  readinessRule,
  replicasMismatchRule,
  highRestartsRule,
  nearLimitRule,
];

/** All findings for one workload, unranked. Always at least one (the healthy verdict when nothing is wrong). */
export function runRules(input: Pick<DebugInput, 'snapshot' | 'name'>, opts: DebugOptions = {}): Finding[] {
  const ctx: RuleContext = {
    snapshot: input.snapshot,
    name: input.name ?? 'the deployment',
    thresholds: { ...DEFAULT_THRESHOLDS, ...opts.thresholds },
  };
  const findings = RULES.flatMap((rule) => rule(ctx));
  const used = new Set(
    findings.flatMap((f) =>
      f.evidence.filter((e) => e.kind === 'event').map((e) => `${e.source}\u0000${e.detail}`),
    ),
  );
  findings.push(...warningEventsRule(ctx, used));
  if (!findings.some((f) => f.severity !== 'info')) findings.push(healthyFinding(ctx));
  return findings;
}

function sentence(s: string): string {
  return /[.!?]$/.test(s) ? s : `${s}.`;
}

export function composeReport(ranked: Finding[], issue?: string): DebugReport {
  const problems = ranked.filter((f) => f.severity !== 'info');
  const shown = problems.length > 0 ? problems : ranked;
  const [top, ...rest] = shown;
  let analysis = top ? sentence(top.message) : 'No data to analyze.';
  if (rest.length > 0) analysis += ` Also: ${rest.map((f) => f.message).join('; ')}.`;
  const words = issueWords(issue);
  if (issue && words.length > 0 && top) {
    if (problems.length === 0) {
      analysis += ` The reported issue ("${issue.trim()}") is not visible in the current cluster state.`;
    } else if (relevance(top, words) === 0) {
      analysis += ` Nothing in the cluster state matches "${issue.trim()}" directly; findings are ordered by severity.`;
    }
  }
  return {
    analysis,
    recommendations: unique(shown.flatMap((f) => f.recommendations)),
    evidence: uniqueEvidence(ranked.flatMap((f) => f.evidence)),
    findings: ranked,
  };
}

export function debugWorkload(input: DebugInput, opts: DebugOptions = {}): DebugReport {
  return composeReport(rankFindings(runRules(input, opts), input.issue), input.issue);
}
