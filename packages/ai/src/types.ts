// Result shapes of the analyzer. Every finding carries the evidence it was derived from, so a caller (or a
// reviewer of an LLM's answer) can check each claim against what the cluster actually reported.
import type { ClusterSnapshot, WorkloadSnapshot } from '@slipway/drivers';

export type EvidenceKind =
  | 'pod_status'
  | 'pod_condition'
  | 'container_state'
  | 'event'
  | 'log'
  | 'usage'
  | 'deployment_status'
  | 'node'
  | 'service'
  | 'pvc'
  /** What only Slipway knows: the cluster's recorded status, image history, a service's recorded error. */
  | 'slipway';

/** One observed fact. `source` names the pod, `pod/container`, event object or deployment it came from. */
export type Evidence = { kind: EvidenceKind; source: string; detail: string };

/** Same scale as the drivers' ChartFinding. */
export type Severity = 'error' | 'warning' | 'info';

export const RULE_IDS = [
  'deployment-absent',
  'cluster-not-running',
  'node-not-ready',
  'node-pressure',
  'quota-exceeded',
  'pending-unschedulable',
  'pod-evicted',
  'image-pull',
  'create-container-config',
  'init-container-failure',
  'run-container-error',
  'crash-loop-backoff',
  'liveness-failure',
  'readiness-failure',
  'service-selector-mismatch',
  'service-failed',
  'service-no-endpoints',
  'replicas-mismatch',
  'high-restarts',
  'cpu-near-limit',
  'memory-near-limit',
  'image-unpinned',
  'no-resource-limits',
  'service-exposed',
  'warning-events',
  'healthy',
] as const;

/** Also the tie-break order: root causes first, symptoms (replica counts) and catch-alls later. */
export type RuleId = (typeof RULE_IDS)[number];

/** A Slipway API call that carries out a recommendation (the user, or an agent, can make it as is). */
export type ApiAction = {
  description: string;
  method: 'POST' | 'PUT';
  path: string;
  body?: Record<string, unknown>;
};

export type Finding = {
  rule: RuleId;
  severity: Severity;
  /** One sentence naming the objects involved, e.g. "Pod api-1 is in CrashLoopBackOff due to ...". */
  message: string;
  recommendations: string[];
  evidence: Evidence[];
  /** Set by cluster-wide analysis: the deployment the finding belongs to. */
  workload?: string;
  /** Machine-readable cause within the rule, e.g. `oom`, `missing-env`, `tag-not-found`, `taint`. */
  cause?: string;
  /** A consequence of another finding (replica shortfall, a service without endpoints), never the lead. */
  symptom?: boolean;
  /** For a symptom: the message of the root-cause finding behind it. */
  causedBy?: string;
  /** Slipway API calls that carry out some of `recommendations`. */
  actions?: ApiAction[];
};

/**
 * What only Slipway knows, passed in by the worker (never read here): the cluster's recorded status, the
 * deployment's image history, its services' recorded states. Used to explain, never to invent.
 */
export type SlipwayContext = {
  /** Deployment id, for the API calls in recommendations. */
  deploymentId?: string;
  cluster?: { id: string; name: string; status: string; error?: string | null };
  /** `previous` and `changedAt` when the image changed since an earlier rollout. */
  image?: { current: string; previous?: string | null; changedAt?: string | null };
  services?: { id: string; name: string; type?: string; status: string; error?: string | null }[];
};

/** Who produced the wording of a result: the rules, an LLM over the rules, or an external agent that ran. */
export type Engine = 'rules' | 'llm' | 'kubectl-ai' | 'kagent';

export type DebugInput = {
  snapshot: WorkloadSnapshot;
  /** The user's free-text complaint ("pod not ready"); only reorders findings, never adds any. */
  issue?: string;
  /** Deployment name, used in messages. */
  name?: string;
  /** Deployment namespace (for agents that look the deployment up themselves). */
  namespace?: string;
  context?: SlipwayContext;
};

export type RootCause = { rule: RuleId; cause?: string; message: string; workload?: string };

export type DebugReport = {
  /** Contract `analysis`: the first sentence names the root cause; symptoms and other findings follow. */
  analysis: string;
  /** The finding that leads `analysis`; absent when nothing is wrong. */
  root_cause?: RootCause;
  /** Slipway API calls behind the recommendations, root cause first. */
  actions: ApiAction[];
  /** Contract `recommendations`: deduplicated, most relevant finding first. */
  recommendations: string[];
  /** Union of the findings' evidence, in finding order, deduplicated. */
  evidence: Evidence[];
  /** Sorted by relevance to `issue`, then severity, then rule order. */
  findings: Finding[];
};

export type DebugResult = DebugReport & {
  engine: Engine;
  agent: string;
  /** Present when an LLM was configured but its answer could not be used. */
  llmError?: string;
  /** Why the requested agent's answer is not the one shown (not installed, failed, ungrounded, ...). */
  note?: string;
  /** Evidence items an external agent's answer cited (it passed the grounding check). */
  cited_evidence?: Evidence[];
};

export type AnalysisType = 'resource-optimization' | 'health' | 'security' | 'general';

export const ANALYSIS_TYPES = ['resource-optimization', 'health', 'security'] as const;

export type AnalyzeInput = {
  snapshot: ClusterSnapshot;
  /** 'resource-optimization' | 'health' | 'security'; any other string (or none) runs the general analysis. */
  analysisType?: string;
  /** Per workload name: what only Slipway knows about it (deployment id, image history, services). */
  context?: { cluster?: SlipwayContext['cluster']; workloads?: Record<string, SlipwayContext> };
};

/** A pair of amounts in the drivers' units: millicores and MiB. */
export type Resources = { cpuMillicores: number; memoryMiB: number };

/**
 * over-provisioned: usage below 30% of the request; under-provisioned: usage above the request or at 80%+ of
 * the limit; unknown: no usage metrics, or neither request nor limit set.
 */
export type Provisioning = 'over-provisioned' | 'under-provisioned' | 'balanced' | 'unknown';

export type ResourceUse = {
  /** Sum over Running pods; null when any Running pod has no metrics (never a guessed number). */
  usage: number | null;
  /** Sum of requests over Running pods; null when any of them has none set. */
  request: number | null;
  limit: number | null;
  /** Integer percentages, null when either side is unknown or zero. */
  usageOfRequest: number | null;
  usageOfLimit: number | null;
  provisioning: Provisioning;
};

export type WorkloadUtilization = {
  name: string;
  namespace: string;
  runningPods: number;
  cpu: ResourceUse;
  memory: ResourceUse;
};

export type ClusterUtilization = {
  capacity: Resources;
  /** null when any Running pod lacks that metric. */
  usage: { cpuMillicores: number | null; memoryMiB: number | null };
  requests: { cpuMillicores: number; memoryMiB: number };
  /** Running pods that report no usage metrics (metrics-server missing or not yet scraped). */
  podsWithoutMetrics: number;
  /** Contract strings: rounded integer + '%', or 'unknown'. */
  cpu: string;
  memory: string;
  workloads: WorkloadUtilization[];
};

export type AnalyzeReport = {
  analysis_type: AnalysisType;
  /** Contract `resource_utilization`, computed from the snapshot only. */
  resource_utilization: { cpu: string; memory: string };
  recommendations: string[];
  /** One sentence overview. */
  summary: string;
  utilization: ClusterUtilization;
  findings: Finding[];
  evidence: Evidence[];
  /** Workloads with at least one error or warning, worst first (every analysis type lists them first). */
  failing_workloads: { name: string; root_cause: string }[];
  actions: ApiAction[];
};

export type AnalyzeResult = AnalyzeReport & {
  engine: Engine;
  agent: string;
  llmError?: string;
  note?: string;
};
