// Keyword relevance of a finding to the user's free-text issue. Deliberately simple and explainable: the
// issue only reorders findings; it can never create one, so the answer stays grounded in evidence.
import { type Finding, RULE_IDS, type RuleId, type Severity } from '../types.ts';

// Symptom words per rule. Cause words (memory, env, secret...) come from the finding's own message instead,
// so "memory" ranks an OOM crash loop first but not a crash loop caused by a missing variable.
const TOPICS: Record<RuleId, string[]> = {
  'deployment-absent': ['missing', 'gone', 'absent', 'deleted', 'exist', 'found'],
  'cluster-not-running': ['cluster', 'stopped', 'down', 'unreachable', 'minikube', 'start'],
  'node-not-ready': ['node', 'notready', 'down', 'unreachable', 'ready'],
  'node-pressure': ['node', 'pressure', 'memory', 'disk', 'evict'],
  'quota-exceeded': ['quota', 'forbidden', 'create', 'replica', 'limit', 'scale'],
  'pod-evicted': ['evict', 'killed', 'memory', 'disk', 'storage', 'gone'],
  'init-container-failure': ['init', 'migration', 'migrate', 'start', 'pending', 'initializ'],
  'run-container-error': ['start', 'command', 'entrypoint', 'exec', 'binary', 'runcontainererror'],
  'service-selector-mismatch': ['service', 'selector', 'endpoint', 'traffic', 'label', '503', 'connect'],
  'service-failed': ['service', 'loadbalancer', 'ingress', 'endpoint', 'traffic', 'external'],
  'service-no-endpoints': ['service', 'endpoint', 'traffic', '503', 'unavailable', 'connect'],
  'crash-loop-backoff': [
    'crash',
    'restart',
    'exit',
    'dies',
    'dying',
    'down',
    'ready',
    'start',
    'fail',
    'error',
    'backoff',
  ],
  'image-pull': ['image', 'pull', 'registry', 'tag', 'ready', 'start', 'pending', 'backoff', 'errimagepull'],
  'create-container-config': [
    'secret',
    'configmap',
    'config',
    'env',
    'environment',
    'variable',
    'ready',
    'start',
  ],
  'pending-unschedulable': ['pending', 'schedul', 'stuck', 'capacity', 'resource', 'node', 'ready', 'start'],
  'liveness-failure': ['liveness', 'probe', 'restart', 'health', 'killed'],
  'readiness-failure': [
    'readiness',
    'ready',
    'probe',
    'health',
    'traffic',
    'endpoint',
    'unavailable',
    '503',
    'service',
  ],
  'replicas-mismatch': [
    'replica',
    'available',
    'unavailable',
    'scale',
    'scaling',
    'ready',
    'down',
    'rollout',
  ],
  'high-restarts': ['restart', 'flapping', 'unstable', 'crash'],
  'cpu-near-limit': ['cpu', 'slow', 'latency', 'throttl', 'performance', 'load', 'resource', 'usage'],
  'memory-near-limit': ['memory', 'oom', 'ram', 'leak', 'resource', 'usage', 'killed'],
  'image-unpinned': ['image', 'tag', 'latest', 'security', 'supply', 'pin'],
  'no-resource-limits': ['limit', 'resource', 'security', 'dos'],
  'service-exposed': ['service', 'exposed', 'public', 'security', 'loadbalancer', 'nodeport'],
  'warning-events': ['event', 'warning', 'mount', 'volume'],
  healthy: [],
};

const STOPWORDS = new Set(
  'a an and are as at be but by can cant does doesnt dont for from has have how i in is isnt it its my no not of on or our pod pods the this to was why with wont container containers deployment app application service keeps keep'.split(
    ' ',
  ),
);

export function issueWords(issue: string | undefined): string[] {
  if (!issue) return [];
  const words = issue
    .toLowerCase()
    .replace(/['’]/g, '')
    .split(/[^a-z0-9]+/)
    .filter((w) => w.length >= 2 && !STOPWORDS.has(w));
  return [...new Set(words)];
}

/** Issue words matching the rule's topics or appearing in the finding's message, each counted once. */
export function relevance(finding: Finding, words: string[]): number {
  const topics = TOPICS[finding.rule];
  const text = finding.message.toLowerCase();
  let score = 0;
  for (const w of words) {
    const topical = topics.some((t) => w.startsWith(t) || (w.length >= 4 && t.startsWith(w)));
    if (topical || (w.length >= 3 && text.includes(w))) score += 1;
  }
  return score;
}

const SEVERITY_RANK: Record<Severity, number> = { error: 0, warning: 1, info: 2 };

/**
 * Causes before symptoms (the issue never promotes a symptom over its cause), then relevance to the issue,
 * then severity, then rule order (root causes before symptoms). Stable.
 */
export function rankFindings(findings: Finding[], issue?: string): Finding[] {
  const words = issueWords(issue);
  const tier = (f: Finding): number => (f.severity === 'info' ? 2 : f.symptom ? 1 : 0);
  return findings
    .map((f, i) => ({ f, i, score: relevance(f, words) }))
    .sort(
      (a, b) =>
        tier(a.f) - tier(b.f) ||
        b.score - a.score ||
        SEVERITY_RANK[a.f.severity] - SEVERITY_RANK[b.f.severity] ||
        RULE_IDS.indexOf(a.f.rule) - RULE_IDS.indexOf(b.f.rule) ||
        a.i - b.i,
    )
    .map((x) => x.f);
}
