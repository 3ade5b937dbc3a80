// Public API of @slipway/ai. Pure analyzers over driver snapshots plus agent adapters; nothing here calls a
// driver, reads process.env or touches the database.

export {
  type AgentOptions,
  type AiAgent,
  BuiltInAgent,
  createAgent,
  isKnownAgent,
  KNOWN_AGENTS,
  type KnownAgent,
  type RuleOptions,
} from './agents/agent.ts';
export {
  chatCompletionsUrl,
  DEFAULT_LLM_MODEL,
  DEFAULT_LLM_TIMEOUT_MS,
  LlmAgent,
  type LlmAnswer,
  type LlmConfig,
  parseLlmAnswer,
} from './agents/llm-agent.ts';
export {
  type AnalyzeOptions,
  analyzeCluster,
  failingWorkloads,
  isFailing,
  mergeRecommendations,
  resolveAnalysisType,
  resourceRecommendations,
  securityFindings,
} from './analyze/analyze-cluster.ts';
export {
  clusterUtilization,
  DEFAULT_UTILIZATION_THRESHOLDS,
  type UtilizationThresholds,
  workloadUtilization,
} from './analyze/utilization.ts';
export {
  composeReport,
  type DebugOptions,
  debugWorkload,
  linkSymptoms,
  RULES,
  runRules,
} from './debug/debug-workload.ts';
export { describeLogCause, type LogCause, type LogReading, readLogs } from './debug/logs.ts';
export { issueWords, rankFindings, relevance } from './debug/relevance.ts';
export { DEFAULT_THRESHOLDS, type Rule, type RuleContext, type Thresholds } from './debug/rule-context.ts';
export { type MissingRef, parseConfigError } from './debug/rules/container-config.ts';
export { type CrashCause, findMissingEnv } from './debug/rules/crash-loop.ts';
export { classifyPullFailure, type PullProblem } from './debug/rules/image-pull.ts';
export { parseFailedScheduling, type SchedulingBlocker } from './debug/rules/pending.ts';
export { type ImageRef, imageFromMessage, parseImageRef } from './image-ref.ts';
export {
  DEPLOY_DEFAULTS,
  type DeployPlan,
  type DeployPlanInput,
  type ImageCandidate,
  type ImagePick,
  imageRefOf,
  pickImage,
  planDeploy,
  RELEASE_NAME_MAX,
  toReleaseName,
} from './plan/plan-deploy.ts';
export { MAX_REPLICAS, planScale, type ScalePlan, type ScalePlanInput } from './plan/plan-scale.ts';
export {
  ANALYSIS_TYPES,
  type AnalysisType,
  type AnalyzeInput,
  type AnalyzeReport,
  type AnalyzeResult,
  type ApiAction,
  type ClusterUtilization,
  type DebugInput,
  type DebugReport,
  type DebugResult,
  type Engine,
  type Evidence,
  type EvidenceKind,
  type Finding,
  type Provisioning,
  type Resources,
  type ResourceUse,
  type RootCause,
  RULE_IDS,
  type RuleId,
  type Severity,
  type SlipwayContext,
  type WorkloadUtilization,
} from './types.ts';
