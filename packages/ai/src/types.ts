// Result shapes of the analyzer. Every finding carries the evidence it was derived from, so a caller (or a
// reviewer of an LLM's answer) can check each claim against what the cluster actually reported.
import type { ClusterSnapshot, WorkloadSnapshot } from '@slipway/drivers';

export type EvidenceKind = 'pod_status' | 'container_state' | 'event' | 'log' | 'usage' | 'deployment_status';

/** One observed fact. `source` names the pod, `pod/container`, event object or deployment it came from. */
export type Evidence = { kind: EvidenceKind; source: string; detail: string };

/** Same scale as the drivers' ChartFinding. */
export type Severity = 'error' | 'warning' | 'info';

export const RULE_IDS = [
  'deployment-absent',
  'crash-loop-backoff',
  'image-pull',
  'create-container-config',
  'pending-unschedulable',
  'liveness-failure',
  'readiness-failure',
  'replicas-mismatch',
  'high-restarts',
  'cpu-near-limit',
  'memory-near-limit',
  'warning-events',
  'healthy',
] as const;

/** Also the tie-break order: root causes first, symptoms (replica counts) and catch-alls later. */
export type RuleId = (typeof RULE_IDS)[number];

export type Finding = {
  rule: RuleId;
  severity: Severity;
  /** One sentence naming the objects involved, e.g. "Pod api-1 is in CrashLoopBackOff due to ...". */
  message: string;
  recommendations: string[];
  evidence: Evidence[];
  /** Set by cluster-wide analysis: the deployment the finding belongs to. */
  workload?: string;
};

export type Engine = 'rules' | 'llm';

export type DebugInput = {
  snapshot: WorkloadSnapshot;
  /** The user's free-text complaint ("pod not ready"); only reorders findings, never adds any. */
  issue?: string;
  /** Deployment name, used in messages. */
  name?: string;
};

export type DebugReport = {
  /** Contract `analysis`: the most relevant finding, then the others in one line. */
  analysis: string;
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
};

export type AnalysisType = 'resource-optimization' | 'health' | 'general';

export type AnalyzeInput = {
  snapshot: ClusterSnapshot;
  /** 'resource-optimization' | 'health'; any other string (or none) runs the general analysis (both). */
  analysisType?: string;
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
};

export type AnalyzeResult = AnalyzeReport & {
  engine: Engine;
  agent: string;
  llmError?: string;
};
