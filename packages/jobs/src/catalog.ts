import { z } from 'zod';

// The queue contract. One queue per resource family; a job carries only its operation id
// (payloads carry ids, never state or secrets), and jobId = operation id so a re-enqueue is a no-op.
export const queueNames = ['images', 'charts', 'clusters', 'deployments', 'services', 'ai'] as const;
export type QueueName = (typeof queueNames)[number];

export const OperationPayload = z.object({ operationId: z.uuid() }).loose();
export type OperationPayload = z.infer<typeof OperationPayload>;

// What an operation row's `input` holds, per kind: written by core's verbs through these schemas and
// parsed again when a worker picks the operation up. Rows written by an earlier release must still
// parse, so a field added later is optional (or has a default), and unknown keys are dropped, never
// rejected. Ids and small facts only: never state the worker should re-read, never secrets.
const generation = z.number().int().min(1);
const agent = z.string().min(1).max(64);
const none = z.object({});

export const jobInputs = {
  'image.build': none,
  'image.retag': z.object({
    /** The tag the engine currently holds (the record already names the new one). */
    fromTag: z.string().min(1).optional(),
    toTag: z.string().min(1).optional(),
    previousStatus: z.string().optional(),
  }),
  /** The reference the image was built as; null when its fields could not form one (nothing to remove). */
  'image.delete': z.object({ ref: z.string().min(1).nullable().optional() }),
  'chart.validate': z.object({ reason: z.enum(['update', 'upload']).optional() }),
  'cluster.start': z.object({ from: z.string().optional() }),
  'cluster.stop': z.object({ from: z.string().optional() }),
  'cluster.restart': z.object({ from: z.string().optional() }),
  'cluster.delete': none,
  /** `generation`: the resource generation this operation applies (the latest one wins). */
  'deployment.apply': z.object({ generation: generation.optional() }),
  'deployment.scale': z.object({ generation: generation.optional() }),
  'deployment.delete': none,
  // Re-reads a deployment's state from its cluster (after the cluster runs again); also the kind of the
  // record written when its cluster stops or is deleted (`cause` says which, the event says what happened).
  'deployment.observe': z.object({ cause: z.string().max(64).optional() }),
  'service.apply': z.object({ generation: generation.optional() }),
  'service.delete': none,
  'service.observe': z.object({ cause: z.string().max(64).optional() }),
  'ai.deploy': z.object({
    generation: generation.optional(),
    aiAgent: agent.default('kubectl-ai'),
    helmChartId: z.uuid().optional(),
  }),
  'ai.scale': z.object({ generation: generation.optional(), aiAgent: agent.default('kubectl-ai') }),
  'ai.debug': z.object({ aiAgent: agent.default('kubectl-ai'), issue: z.string().max(4000).default('') }),
  'ai.analyze': z.object({
    aiAgent: agent.default('kubectl-ai'),
    analysisType: z.string().max(64).default('general'),
  }),
} as const satisfies Record<string, z.ZodType<Record<string, unknown>>>;

/** What an operation's resource_type can be (the db enum; jobs stays a leaf, so spelled out here). */
export type JobResource =
  | 'container_image'
  | 'helm_chart'
  | 'minikube_cluster'
  | 'deployment'
  | 'service'
  | 'ai';

type JobSpec = {
  /** The resource type an operation of this kind acts on (`ai`: none it owns). */
  resource: JobResource;
  queue: QueueName;
  /** Total BullMQ attempts (first try + retries) for retryable failures. */
  attempts: number;
  /** Base delay of exponential backoff with jitter, in ms. */
  backoffMs: number;
  /** Read-only kinds never wait for other operations on the same resource. */
  readOnly?: boolean;
};

export const jobCatalog = {
  'image.build': {
    resource: 'container_image',
    queue: 'images',
    attempts: 4,
    backoffMs: 1000,
    input: jobInputs['image.build'],
  },
  'image.retag': {
    resource: 'container_image',
    queue: 'images',
    attempts: 4,
    backoffMs: 1000,
    input: jobInputs['image.retag'],
  },
  'image.delete': {
    resource: 'container_image',
    queue: 'images',
    attempts: 5,
    backoffMs: 1000,
    input: jobInputs['image.delete'],
  },
  'chart.validate': {
    resource: 'helm_chart',
    queue: 'charts',
    attempts: 3,
    backoffMs: 500,
    input: jobInputs['chart.validate'],
  },
  'cluster.start': {
    resource: 'minikube_cluster',
    queue: 'clusters',
    attempts: 3,
    backoffMs: 2000,
    input: jobInputs['cluster.start'],
  },
  'cluster.stop': {
    resource: 'minikube_cluster',
    queue: 'clusters',
    attempts: 3,
    backoffMs: 2000,
    input: jobInputs['cluster.stop'],
  },
  'cluster.restart': {
    resource: 'minikube_cluster',
    queue: 'clusters',
    attempts: 3,
    backoffMs: 2000,
    input: jobInputs['cluster.restart'],
  },
  'cluster.delete': {
    resource: 'minikube_cluster',
    queue: 'clusters',
    attempts: 5,
    backoffMs: 2000,
    input: jobInputs['cluster.delete'],
  },
  'deployment.apply': {
    resource: 'deployment',
    queue: 'deployments',
    attempts: 4,
    backoffMs: 1000,
    input: jobInputs['deployment.apply'],
  },
  'deployment.scale': {
    resource: 'deployment',
    queue: 'deployments',
    attempts: 4,
    backoffMs: 1000,
    input: jobInputs['deployment.scale'],
  },
  'deployment.delete': {
    resource: 'deployment',
    queue: 'deployments',
    attempts: 5,
    backoffMs: 1000,
    input: jobInputs['deployment.delete'],
  },
  'deployment.observe': {
    resource: 'deployment',
    queue: 'deployments',
    attempts: 4,
    backoffMs: 1000,
    input: jobInputs['deployment.observe'],
  },
  'service.apply': {
    resource: 'service',
    queue: 'services',
    attempts: 4,
    backoffMs: 1000,
    input: jobInputs['service.apply'],
  },
  'service.delete': {
    resource: 'service',
    queue: 'services',
    attempts: 5,
    backoffMs: 1000,
    input: jobInputs['service.delete'],
  },
  'service.observe': {
    resource: 'service',
    queue: 'services',
    attempts: 4,
    backoffMs: 1000,
    input: jobInputs['service.observe'],
  },
  'ai.deploy': {
    resource: 'deployment',
    queue: 'ai',
    attempts: 3,
    backoffMs: 1000,
    input: jobInputs['ai.deploy'],
  },
  'ai.scale': {
    resource: 'deployment',
    queue: 'ai',
    attempts: 3,
    backoffMs: 1000,
    input: jobInputs['ai.scale'],
  },
  'ai.debug': {
    resource: 'ai',
    queue: 'ai',
    attempts: 3,
    backoffMs: 500,
    readOnly: true,
    input: jobInputs['ai.debug'],
  },
  'ai.analyze': {
    resource: 'ai',
    queue: 'ai',
    attempts: 3,
    backoffMs: 500,
    readOnly: true,
    input: jobInputs['ai.analyze'],
  },
} as const satisfies { [N in keyof typeof jobInputs]: JobSpec & { input: (typeof jobInputs)[N] } };

export type JobName = keyof typeof jobCatalog;
export const jobNames = Object.keys(jobCatalog) as JobName[];

export function isJobName(s: string): s is JobName {
  return Object.hasOwn(jobCatalog, s);
}

export function jobSpec(name: JobName): JobSpec {
  return jobCatalog[name];
}

/** The resource type an operation of kind N acts on. */
export type JobResourceOf<N extends JobName> = (typeof jobCatalog)[N]['resource'];

/** The input a processor of `N` receives (defaults applied). */
export type JobInput<N extends JobName> = z.output<(typeof jobInputs)[N]>;
/** The input a verb writes for `N` (defaulted fields may be left out). */
export type JobInputIn<N extends JobName> = z.input<(typeof jobInputs)[N]>;

export type InputParse<N extends JobName> = { ok: true; input: JobInput<N> } | { ok: false; issue: string };

/** Parses an operation's stored input for its kind (on write and again on dequeue). */
export function parseJobInput<N extends JobName>(name: N, input: unknown): InputParse<N> {
  // Indexing the catalog with a generic key widens to the union of schemas; the key picks the schema.
  const schema: z.ZodType = jobInputs[name];
  const r = schema.safeParse(input ?? {});
  if (r.success) return { ok: true, input: r.data as JobInput<N> };
  const first = r.error.issues[0];
  return { ok: false, issue: `${first?.path.join('.') || '(input)'}: ${first?.message ?? 'invalid'}` };
}

/** Exponential backoff with full jitter, bounded (attemptsMade counts finished attempts, >= 1). */
export function backoffDelay(
  name: JobName,
  attemptsMade: number,
  random: () => number = Math.random,
): number {
  const base = jobSpec(name).backoffMs;
  const cap = Math.min(base * 2 ** Math.max(0, attemptsMade - 1), 60_000);
  return Math.round(cap / 2 + (random() * cap) / 2);
}
