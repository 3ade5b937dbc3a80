// The deterministic debugger: run every rule over one deployment's snapshot (plus what Slipway knows),
// link each symptom to the cause behind it, rank, and phrase the contract's `analysis` + `recommendations`
// with the root cause first. Pure: no I/O.
import { unique, uniqueEvidence } from '../format.ts';
import {
  type ApiAction,
  type DebugInput,
  type DebugReport,
  type Finding,
  RULE_IDS,
  type RuleId,
  type SlipwayContext,
} from '../types.ts';
import { issueWords, rankFindings, relevance } from './relevance.ts';
import { DEFAULT_THRESHOLDS, type Rule, type RuleContext, type Thresholds } from './rule-context.ts';
import { quotaRule } from './rules/admission.ts';
import { containerConfigRule } from './rules/container-config.ts';
import { crashLoopRule } from './rules/crash-loop.ts';
import { deploymentAbsentRule, healthyFinding, replicasMismatchRule } from './rules/deployment.ts';
import { evictedRule } from './rules/evicted.ts';
import { imagePullRule } from './rules/image-pull.ts';
import { initContainerRule } from './rules/init-container.ts';
import { clusterNotRunningRule, nodeNotReadyRule, nodePressureRule } from './rules/nodes.ts';
import { pendingRule } from './rules/pending.ts';
import { livenessRule, readinessRule } from './rules/probes.ts';
import { highRestartsRule } from './rules/restarts.ts';
import { runContainerRule } from './rules/run-container.ts';
import { serviceEndpointsRule, serviceFailedRule, serviceSelectorRule } from './rules/services.ts';
import { nearLimitRule } from './rules/usage.ts';
import { warningEventsRule } from './rules/warning-events.ts';

export type DebugOptions = { thresholds?: Partial<Thresholds> };

/** Specific rules; the warning-events catch-all and the healthy verdict run after them. */
export const RULES: Rule[] = [
  deploymentAbsentRule,
  nodeNotReadyRule,
  nodePressureRule,
  quotaRule,
  pendingRule,
  evictedRule,
  imagePullRule,
  containerConfigRule,
  initContainerRule,
  runContainerRule,
  crashLoopRule,
  livenessRule,
  readinessRule,
  serviceSelectorRule,
  serviceFailedRule,
  serviceEndpointsRule,
  replicasMismatchRule,
  highRestartsRule,
  nearLimitRule,
];

/** Failures that a bad image can cause: when the image changed recently, rolling back is the first fix. */
const IMAGE_SENSITIVE: readonly RuleId[] = [
  'image-pull',
  'init-container-failure',
  'run-container-error',
  'crash-loop-backoff',
  'liveness-failure',
  'readiness-failure',
  'create-container-config',
];

function imageChangeNote(ctx: SlipwayContext, finding: Finding): Finding {
  const img = ctx.image;
  if (!img?.previous || img.previous === img.current || !IMAGE_SENSITIVE.includes(finding.rule))
    return finding;
  const when = img.changedAt ? ` at ${img.changedAt}` : '';
  const action: ApiAction | null = ctx.deploymentId
    ? {
        description: `Roll back to ${img.previous}`,
        method: 'PUT',
        path: `/api/deployments/${ctx.deploymentId}`,
        body: { image: img.previous },
      }
    : null;
  const rec = action
    ? `Roll back to the previous image: PUT ${action.path} {"image":"${img.previous}"}`
    : `Roll back to the previous image ${img.previous}`;
  return {
    ...finding,
    message: `${finding.message}; failing since the image changed from ${img.previous} to ${img.current}${when}`,
    recommendations: [rec, ...finding.recommendations],
    actions: [...(action ? [action] : []), ...(finding.actions ?? [])],
    evidence: [
      ...finding.evidence,
      {
        kind: 'slipway',
        source: `deployment/${ctx.deploymentId ?? ''}`,
        detail: `image changed from ${img.previous} to ${img.current}${when}`,
      },
    ],
  };
}

/** Scale-down that fits what is running when the cluster lacks capacity for more replicas. */
function capacityAction(ctx: RuleContext, f: Finding): Finding {
  if (f.rule !== 'pending-unschedulable' || !f.cause?.startsWith('insufficient') || !ctx.context.deploymentId)
    return f;
  const running = ctx.snapshot.pods.filter((p) => p.phase === 'Running').length;
  if (running === 0 || running >= ctx.snapshot.deployment.desiredReplicas) return f;
  const path = `/api/deployments/${ctx.context.deploymentId}/scale`;
  return {
    ...f,
    recommendations: [
      ...f.recommendations,
      `Or scale to what fits now: POST ${path} {"replicas":${running}}`,
    ],
    actions: [
      ...(f.actions ?? []),
      { description: `Scale to ${running} replicas`, method: 'POST', path, body: { replicas: running } },
    ],
  };
}

/**
 * All findings for one workload, unranked. Always at least one (the healthy verdict when nothing is
 * wrong). A cluster Slipway knows is not running short-circuits: its snapshot would describe nothing real.
 */
export function runRules(
  input: Pick<DebugInput, 'snapshot' | 'name' | 'context'>,
  opts: DebugOptions = {},
): Finding[] {
  const ctx: RuleContext = {
    snapshot: input.snapshot,
    name: input.name ?? 'the deployment',
    thresholds: { ...DEFAULT_THRESHOLDS, ...opts.thresholds },
    context: input.context ?? {},
  };
  const down = clusterNotRunningRule(ctx);
  if (down.length > 0) return down;
  let findings = RULES.flatMap((rule) => rule(ctx));
  const used = new Set(
    findings.flatMap((f) =>
      f.evidence.filter((e) => e.kind === 'event').map((e) => `${e.source}\u0000${e.detail}`),
    ),
  );
  findings.push(...warningEventsRule(ctx, used));
  findings = findings.map((f) => capacityAction(ctx, imageChangeNote(ctx.context, f)));
  if (!findings.some((f) => f.severity !== 'info')) findings.push(healthyFinding(ctx));
  return linkSymptoms(findings);
}

/**
 * Every symptom gets the root cause behind it (the first cause in rule order); with no cause found, a
 * symptom is all there is and stands on its own.
 */
export function linkSymptoms(findings: Finding[]): Finding[] {
  const causes = findings
    .filter((f) => !f.symptom && f.severity !== 'info' && f.rule !== 'warning-events')
    .sort((a, b) => ruleOrder(a.rule) - ruleOrder(b.rule));
  const root = causes[0];
  if (!root) return findings.map((f) => (f.symptom ? { ...f, symptom: false } : f));
  return findings.map((f) => (f.symptom ? { ...f, causedBy: root.message } : f));
}

function ruleOrder(r: RuleId): number {
  return RULE_IDS.indexOf(r);
}

function sentence(s: string): string {
  return /[.!?]$/.test(s) ? s : `${s}.`;
}

export function composeReport(ranked: Finding[], issue?: string): DebugReport {
  const problems = ranked.filter((f) => f.severity !== 'info');
  const shown = problems.length > 0 ? problems : ranked;
  const causes = shown.filter((f) => !f.symptom);
  const symptoms = shown.filter((f) => f.symptom);
  const [top, ...rest] = causes.length > 0 ? causes : shown;
  let analysis = top ? sentence(top.message) : 'No data to analyze.';
  if (symptoms.length > 0 && top && !top.symptom) {
    analysis += ` Because of this: ${symptoms.map((f) => f.message).join('; ')}.`;
  }
  const others = rest.filter((f) => !f.symptom);
  if (others.length > 0) analysis += ` Also: ${others.map((f) => f.message).join('; ')}.`;
  const words = issueWords(issue);
  if (issue && words.length > 0 && top) {
    if (problems.length === 0) {
      analysis += ` The reported issue ("${issue.trim()}") is not visible in the current cluster state.`;
    } else if (relevance(top, words) === 0 && !causes.some((f) => relevance(f, words) > 0)) {
      analysis += ` Nothing in the cluster state matches "${issue.trim()}" directly; findings are ordered by cause, then severity.`;
    }
  }
  // Root cause's recommendations first; a symptom's generic "fix the pods" advice adds nothing then.
  const recSources = causes.length > 0 ? [...causes, ...symptoms.filter((s) => !s.causedBy)] : shown;
  const actions: ApiAction[] = [];
  const seen = new Set<string>();
  for (const f of recSources)
    for (const a of f.actions ?? []) {
      const key = `${a.method} ${a.path} ${JSON.stringify(a.body ?? {})}`;
      if (!seen.has(key)) {
        seen.add(key);
        actions.push(a);
      }
    }
  return {
    analysis,
    ...(top && top.severity !== 'info'
      ? {
          root_cause: {
            rule: top.rule,
            ...(top.cause ? { cause: top.cause } : {}),
            message: top.message,
            ...(top.workload ? { workload: top.workload } : {}),
          },
        }
      : {}),
    recommendations: unique(recSources.flatMap((f) => f.recommendations)),
    actions,
    evidence: uniqueEvidence(ranked.flatMap((f) => f.evidence)),
    findings: ranked,
  };
}

export function debugWorkload(input: DebugInput, opts: DebugOptions = {}): DebugReport {
  return composeReport(rankFindings(runRules(input, opts), input.issue), input.issue);
}
