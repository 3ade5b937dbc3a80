import { accessSync, constants } from 'node:fs';
import { hostname } from 'node:os';
import { delimiter, join } from 'node:path';
import {
  clusterLocator,
  commaList,
  gitAllowedHostsSetting,
  hasHashTag,
  isClusterLocator,
  queueNames,
  redisClusterNodesSetting,
} from '@slipway/jobs';
import { otelEnvShape } from '@slipway/telemetry';
import { z } from 'zod';

const int = (def: number) => z.coerce.number().int().nonnegative().default(def);

// Worker configuration, parsed once in main.ts. Every knob has a default that works for `npm run dev`.
export const WorkerConfig = z.object({
  DATABASE_URL: z.url({ message: 'DATABASE_URL must be a postgres:// URL' }),
  REDIS_URL: z.url({ message: 'REDIS_URL must be a redis:// URL' }),
  /** sandbox: simulated Docker/minikube/Kubernetes; real: the real tools; auto: real where reachable. */
  DRIVER: z.enum(['sandbox', 'real', 'auto']).default('auto'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  QUEUE_PREFIX: z.string().min(1).default('slipway'),
  /** Comma-separated queues this worker serves (default: all). */
  WORKER_QUEUES: z
    .string()
    .default(queueNames.join(','))
    .transform(commaList)
    .pipe(z.array(z.enum(queueNames)).min(1)),
  /** Jobs run at once per queue. */
  WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(256).default(4),
  WORKER_ID: z.string().default(`${hostname()}:${process.pid}`),
  /** SIGTERM: how long active jobs may run on before they are handed back. */
  WORKER_SHUTDOWN_GRACE_MS: int(30_000),
  /** Operation lease; renewed every third of it while a job runs. A dead worker's job is re-driven after it. */
  LEASE_MS: z.coerce.number().int().min(500).default(30_000),
  /** Watchdog: an operation running longer than this lets its lease lapse and is re-driven elsewhere. */
  OPERATION_TIMEOUT_MS: z.coerce.number().int().min(1000).default(3_600_000),
  RECONCILE_INTERVAL_MS: z.coerce.number().int().min(100).default(5_000),
  /** Claims of one operation (crashes included) before it is failed as poison. */
  MAX_OPERATION_ATTEMPTS: z.coerce.number().int().min(1).default(5),
  /**
   * Base delay before an operation whose worker died runs again: doubled per attempt it used, the
   * upper half of it at random (0.5-1 x on its first loss, 1-2 x on its second, at most 60 s).
   */
  REDRIVE_DELAY_MS: int(1000),
  /** BullMQ: starts of one job before it is dead-lettered (a job that keeps crashing its worker). */
  MAX_STARTED_ATTEMPTS: z.coerce.number().int().min(1).default(20),
  STALLED_INTERVAL_MS: z.coerce.number().int().min(100).default(30_000),
  ROLLOUT_TIMEOUT_MS: int(300_000),
  SERVICE_TIMEOUT_MS: int(120_000),
  SANDBOX_TIME_SCALE: z.coerce.number().positive().default(1),
  /** Append-only effects ledger of the sandbox driver (fault suite). */
  SANDBOX_LEDGER: z.string().optional(),
  /**
   * Git hosts an image build may clone from although they are loopback, private, link-local or
   * metadata addresses (comma-separated names or addresses; default none). The API refuses other such
   * literal hosts with a 422, the worker any host that resolves to one.
   */
  GIT_ALLOWED_HOSTS: gitAllowedHostsSetting,
  BUILD_CONTEXT_ROOT: z.string().default(process.cwd()),
  MINIKUBE_BIN: z.string().default('minikube'),
  MINIKUBE_DRIVER: z.string().default('docker'),
  HELM_BIN: z.string().default('helm'),
  KUBECONFIG: z.string().optional(),
  AI_LLM_URL: z.url().optional(),
  AI_LLM_MODEL: z.string().optional(),
  AI_LLM_API_KEY: z.string().optional(),
  /** kubectl-ai executable for ai_agent "kubectl-ai" (default: kubectl-ai when found on PATH). */
  KUBECTL_AI_BIN: z.string().min(1).optional(),
  /** kubectl-ai --llm-provider and --model (its own defaults: gemini, gemini-2.5-pro); the key is the provider's env var. */
  KUBECTL_AI_PROVIDER: z.string().min(1).optional(),
  KUBECTL_AI_MODEL: z.string().min(1).optional(),
  KUBECTL_AI_TIMEOUT_MS: z.coerce.number().int().min(1000).default(120_000),
  /** kagent controller for ai_agent "kagent" (A2A at <url>/api/a2a/<namespace>/<agent>/). */
  KAGENT_URL: z.url().optional(),
  KAGENT_NAMESPACE: z.string().min(1).default('kagent'),
  KAGENT_AGENT: z.string().min(1).default('k8s-agent'),
  KAGENT_API_KEY: z.string().optional(),
  KAGENT_TIMEOUT_MS: z.coerce.number().int().min(1000).default(120_000),
  /** OTEL_EXPORTER_OTLP_*, OTEL_SERVICE_NAME (default slipway-worker), OTEL_TRACES_SAMPLER*, OTEL_BSP_*. */
  ...otelEnvShape,
  /** Port of this worker's own HTTP endpoint: GET /metrics (Prometheus) and GET /healthz. 0 = off. */
  WORKER_METRICS_PORT: z.coerce.number().int().min(0).max(65_535).default(9464),
  /** Redis Cluster seed nodes `host:port,...`; REDIS_URL then carries only credentials and scheme. */
  REDIS_CLUSTER_NODES: redisClusterNodesSetting.optional(),
  /**
   * TEST HOOK (fault suite only, never set in production): an operation or resource id, or a
   * substring of one. The worker exits with 137 (as if OOM-killed) right after it claims a matching
   * operation, so the suite can prove a poison job is dead-lettered while healthy jobs keep flowing.
   */
  SLIPWAY_FAULT_CRASH_ON: z.string().min(8).optional(),
});
export type WorkerConfig = z.infer<typeof WorkerConfig>;

/** `name` if it is a path, else the first executable of that name on PATH; null when there is none. */
export function findExecutable(name: string, path = process.env.PATH ?? ''): string | null {
  const candidates = name.includes('/')
    ? [name]
    : path
        .split(delimiter)
        .filter(Boolean)
        .map((d) => join(d, name));
  for (const c of candidates) {
    try {
      accessSync(c, constants.X_OK);
      return c;
    } catch {
      // next
    }
  }
  return null;
}

/** The AI agents' settings from the configuration (kubectl-ai only when its executable exists). */
export function aiSettings(config: WorkerConfig, path = process.env.PATH ?? '') {
  const bin = findExecutable(config.KUBECTL_AI_BIN ?? 'kubectl-ai', path);
  return {
    llmUrl: config.AI_LLM_URL,
    model: config.AI_LLM_MODEL,
    apiKey: config.AI_LLM_API_KEY,
    kubeconfigPath: config.KUBECONFIG,
    kubectlAi: bin
      ? {
          bin,
          ...(config.KUBECTL_AI_PROVIDER ? { provider: config.KUBECTL_AI_PROVIDER } : {}),
          ...(config.KUBECTL_AI_MODEL ? { model: config.KUBECTL_AI_MODEL } : {}),
          timeoutMs: config.KUBECTL_AI_TIMEOUT_MS,
        }
      : null,
    kagent: config.KAGENT_URL
      ? {
          url: config.KAGENT_URL,
          namespace: config.KAGENT_NAMESPACE,
          agent: config.KAGENT_AGENT,
          ...(config.KAGENT_API_KEY ? { apiKey: config.KAGENT_API_KEY } : {}),
          timeoutMs: config.KAGENT_TIMEOUT_MS,
        }
      : null,
  };
}

/** Parses the environment; on error, names every bad variable and why. */
export function loadWorkerConfig(env: Record<string, string | undefined>): WorkerConfig {
  const r = WorkerConfig.safeParse(env);
  if (!r.success) {
    const lines = r.error.issues.map((i) => `  ${i.path.join('.') || '(env)'}: ${i.message}`);
    throw new Error(`Invalid worker configuration:\n${lines.join('\n')}`);
  }
  // REDIS_CLUSTER_NODES folds into REDIS_URL (a redis+cluster:// locator every Redis client understands).
  const url = clusterLocator(r.data.REDIS_URL, r.data.REDIS_CLUSTER_NODES);
  if (isClusterLocator(url) && !hasHashTag(r.data.QUEUE_PREFIX))
    throw new Error(
      `Invalid worker configuration:\n  QUEUE_PREFIX: must carry a hash tag on a Redis Cluster, e.g. {${r.data.QUEUE_PREFIX}}`,
    );
  return { ...r.data, REDIS_URL: url };
}
