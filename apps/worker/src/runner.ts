import {
  type ClaimOutcome,
  type CoreDeps,
  claimOperation,
  DomainError,
  isLeaseOn,
  isUnavailableError,
  type Lease,
  type Logger,
  type ManagedType,
  nextInLine,
} from '@slipway/core';
import type { Operation } from '@slipway/db';
import { DriverError, type Drivers, type OpContext } from '@slipway/drivers';
import {
  backoffDelay,
  isJobName,
  type JobInput,
  type JobName,
  type JobResourceOf,
  jobSpec,
  OperationPayload,
  parseJobInput,
} from '@slipway/jobs';
import { withSpan } from '@slipway/telemetry';
import { DelayedError, type Job, UnrecoverableError } from 'bullmq';

/** The AI agents' settings (config.ts aiSettings): LLM, kubectl-ai when installed, kagent when configured. */
export type AiSettings = {
  llmUrl?: string | undefined;
  model?: string | undefined;
  apiKey?: string | undefined;
  kubeconfigPath?: string | undefined;
  kubectlAi?: { bin: string; provider?: string; model?: string; timeoutMs?: number } | null;
  kagent?: { url: string; namespace?: string; agent?: string; apiKey?: string; timeoutMs?: number } | null;
};

/** A claimed operation of kind N, its input parsed by the catalog's schema for N. */
export type TypedOperation<N extends JobName> = Omit<Operation, 'kind' | 'input'> & {
  kind: N;
  input: JobInput<N>;
};

/** What a processor gets: the claimed operation, its lease (every write goes through it), drivers. */
export type ProcessorContext<N extends JobName = JobName> = {
  op: TypedOperation<N>;
  /** Settles the operation's resource: statuses and columns typed by the kind's resource type. */
  lease: Lease<JobResourceOf<N>>;
  deps: CoreDeps;
  drivers: Drivers;
  /** Hand to every driver call: cancellation and log lines that become operation events. */
  driverCtx: OpContext;
  settings: {
    rolloutTimeoutMs: number;
    serviceTimeoutMs: number;
    /** Optional LLM for the AI agents (OpenAI-compatible); the built-in analyzer otherwise. */
    ai: AiSettings;
  };
};
export type Processor<N extends JobName = JobName> = (ctx: ProcessorContext<N>) => Promise<void>;
/** One processor per job name, each typed by its kind's input. */
export type Processors = { [N in JobName]: Processor<N> };

/**
 * The processor for `name` bound to the claimed operation with its input parsed again (the dequeue side
 * of the catalog's schemas): null without a processor, the issue when the stored input does not parse.
 */
function bindProcessor<N extends JobName>(
  processors: Partial<Processors>,
  name: N,
  lease: Lease,
): ((ctx: Omit<ProcessorContext<N>, 'op' | 'lease'>) => Promise<void>) | { issue: string } | null {
  const processor = processors[name];
  if (!processor) return null;
  const resource: JobResourceOf<N> = jobSpec(name).resource;
  const actual = lease.op.resourceType;
  if (!isLeaseOn(lease, resource)) return { issue: `resource type ${actual}, expected ${resource}` };
  const parsed = parseJobInput(name, lease.op.input);
  if (!parsed.ok) return { issue: parsed.issue };
  const op: TypedOperation<N> = { ...lease.op, kind: name, input: parsed.input };
  return (ctx) => processor({ ...ctx, op, lease });
}

export type RunnerOptions = {
  deps: CoreDeps;
  drivers: Drivers;
  processors: Partial<Processors>;
  /** Kinds whose processor starts by reading its resource row: read with the claim (`Lease.resource`). */
  readsResource?: ReadonlySet<JobName> | undefined;
  workerId: string;
  leaseMs: number;
  /** A run older than this stops renewing its lease (the reconciler re-drives or fails it). */
  operationTimeoutMs: number;
  log: Logger;
  settings: ProcessorContext['settings'];
  /** Test hook (fault suite): exit(137) after claiming an operation whose id or resource id contains this. */
  crashOn?: string | undefined;
  /**
   * Called when a Postgres call of this process has hung for more than twice the lease (a wedged
   * pooled connection: postgres.js can leave one that never flushes again after a network reset,
   * porsager/postgres#1208). The process cannot heal that pool; main.ts exits so the supervisor
   * restarts it, while the reconciler in the other workers re-drives its operations.
   */
  onWedged?: ((stalledMs: number) => void) | undefined;
};

/** The table-backed resource type a kind acts on (undefined for `ai`, which has no row). */
function resourceOf(name: JobName): ManagedType | undefined {
  const r = jobSpec(name).resource;
  return r === 'ai' ? undefined : r;
}

function driverKindFor(type: Operation['resourceType'], d: Drivers): string | null {
  switch (type) {
    case 'container_image':
      return d.images.kind;
    case 'helm_chart':
      return d.charts.kind;
    case 'minikube_cluster':
      return d.clusters.kind;
    case 'deployment':
    case 'service':
      return d.workloads.kind;
    default:
      return null;
  }
}

type ActiveRun = { abort: AbortController; done: Promise<unknown>; lease: Lease };

/**
 * Who may claim and run in this process: any number of ordinary operations side by side, or one
 * operation that was lost before, alone. A lost one may be the poison that crashed its worker: run
 * beside others it would take them down with it again, and again, until they too had used up their
 * attempts. Turns are given in arrival order (one waiting to run alone holds back those behind it).
 * Waiting happens before the claim, so a worker that crashes costs the waiting operations no attempt.
 */
export class IsolationGate {
  private shared = 0;
  private exclusive = false;
  private readonly waiting: { alone: boolean; go: () => void }[] = [];

  /** Waits for a turn; resolves with the function that ends it (safe to call more than once). */
  enter(alone: boolean): Promise<() => void> {
    return new Promise((resolve) => {
      this.waiting.push({ alone, go: () => resolve(this.leaver(alone)) });
      this.pump();
    });
  }

  private leaver(alone: boolean): () => void {
    let left = false;
    return () => {
      if (left) return;
      left = true;
      if (alone) this.exclusive = false;
      else this.shared--;
      this.pump();
    };
  }

  private pump(): void {
    for (let next = this.waiting[0]; next && !this.exclusive; next = this.waiting[0]) {
      if (next.alone) {
        if (this.shared > 0) return;
        this.exclusive = true;
      } else {
        this.shared++;
      }
      this.waiting.shift();
      next.go();
    }
  }
}

/** Why a run was aborted: the user cancelled / the lease was lost, or this worker is shutting down. */
type AbortReason = 'lost' | 'shutdown';

/**
 * The one place where BullMQ meets operations: claim (compare-and-set), lease renewal and
 * cancellation, driver errors -> retry/fail, shutdown hand-back. Never acks a job before its
 * Postgres write committed: if Postgres is down, the write throws and BullMQ keeps the job.
 */
export class OperationRunner {
  private readonly opts: RunnerOptions;
  private readonly active = new Set<ActiveRun>();
  private stopping = false;
  /** Start times of claims in flight (a claim is a Postgres transaction too). */
  private readonly claims = new Set<{ since: number }>();
  private readonly watchdog: NodeJS.Timeout | null;
  /** The status each finished job's operation was left in by this worker (read once by takeSettled). */
  private readonly settledStatus = new Map<string, string>();
  /** Lost-before operations run alone in this process (see IsolationGate). */
  readonly gate = new IsolationGate();
  constructor(opts: RunnerOptions) {
    this.opts = opts;
    const onWedged = opts.onWedged;
    this.watchdog = onWedged
      ? setInterval(
          () => {
            const now = Date.now();
            const stalled = Math.max(
              0,
              ...[...this.claims].map((c) => now - c.since),
              ...[...this.active].map((r) => r.lease.stalledMs()),
            );
            if (stalled > 2 * opts.leaseMs) onWedged(stalled);
          },
          Math.max(100, Math.floor(opts.leaseMs / 3)),
        )
      : null;
    this.watchdog?.unref();
  }

  /** A cancel announced over Redis: abort the run at once if this worker has it. */
  cancel(operationId: string): boolean {
    for (const r of this.active) {
      if (r.lease.op.id === operationId) {
        r.abort.abort('lost' satisfies AbortReason);
        return true;
      }
    }
    return false;
  }

  /**
   * The status this worker left a job's operation in (succeeded, failed, queued), if it settled it
   * itself; null otherwise (skipped, lost, cancelled: ask Postgres). Forgets it once read.
   */
  takeSettled(jobId: string): string | null {
    const s = this.settledStatus.get(jobId) ?? null;
    this.settledStatus.delete(jobId);
    return s;
  }

  /** Stops the database watchdog (shutdown). */
  dispose(): void {
    if (this.watchdog) clearInterval(this.watchdog);
  }

  get activeCount(): number {
    return this.active.size;
  }

  /**
   * Shutdown has begun: jobs fetched from now on are handed straight back, unclaimed. Pausing a
   * BullMQ worker does not cancel a blocking fetch already in flight, and that fetch would otherwise
   * pick up the very job this worker just handed back and run it to the end, past the grace period.
   */
  stop(): void {
    this.stopping = true;
  }

  /** Stops active runs (they hand their operation back) and waits for them to settle. */
  async abortAll(timeoutMs: number): Promise<void> {
    for (const r of this.active) r.abort.abort('shutdown' satisfies AbortReason);
    await Promise.race([
      Promise.allSettled([...this.active].map((r) => r.done)),
      new Promise((r) => setTimeout(r, timeoutMs)),
    ]);
  }

  async whenIdle(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (this.active.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    return this.active.size === 0;
  }

  /** The BullMQ processor. */
  process = async (job: Job, token?: string): Promise<void> => {
    const parsed = OperationPayload.safeParse(job.data);
    if (!parsed.success || !isJobName(job.name))
      throw new UnrecoverableError(`unknown job ${job.name} or bad payload`);
    const name = job.name;
    const processor = this.opts.processors[name];
    if (!processor) throw new UnrecoverableError(`no processor for ${name}`);
    const { log } = this.opts;
    const handBackIfStopping = async () => {
      if (!this.stopping) return;
      await job.moveToDelayed(Date.now(), token);
      throw new DelayedError();
    };
    await handBackIfStopping();

    const operationId = parsed.data.operationId;
    let leave = await this.gate.enter(false);
    try {
      // It may have waited behind an operation running alone: shutdown may have begun meanwhile.
      await handBackIfStopping();
      let claim = await this.claim(name, operationId, false);
      if (claim.outcome === 'isolate') {
        // Lost before (its worker died running it): wait until nothing else runs here, then claim it
        // alone; what arrives meanwhile waits behind it, unclaimed.
        leave();
        log.info({ operationId }, 'lost before; waiting to run it alone');
        leave = await this.gate.enter(true);
        await handBackIfStopping();
        claim = await this.claim(name, operationId, true);
      }
      return await this.claimed(job, token, name, operationId, claim);
    } finally {
      leave();
    }
  };

  /**
   * The compare-and-set claim. Never takes over an operation whose lease expired (its worker died,
   * or BullMQ handed out a stalled job): the reconciler counts that loss against the attempts and
   * re-drives it with a delay, and from then on it is claimed only `alone`.
   */
  private async claim(name: JobName, operationId: string, alone: boolean): Promise<ClaimOutcome> {
    const claimStarted = { since: Date.now() };
    this.claims.add(claimStarted);
    try {
      return await claimOperation(this.opts.deps.db, operationId, {
        leaseMs: this.opts.leaseMs,
        workerId: this.opts.workerId,
        takeOver: false,
        alone,
        readResource: this.opts.readsResource?.has(name) ? resourceOf(name) : undefined,
      });
    } finally {
      this.claims.delete(claimStarted);
    }
  }

  /** Runs a claimed operation (or acks a delivery that found nothing to claim). */
  private async claimed(
    job: Job,
    token: string | undefined,
    name: JobName,
    operationId: string,
    claim: ClaimOutcome,
  ): Promise<void> {
    const { deps, log } = this.opts;
    if (claim.outcome === 'missing' || claim.outcome === 'terminal' || claim.outcome === 'held') {
      // Duplicate or late delivery: one claim wins, the others just ack.
      log.info({ operationId, outcome: claim.outcome }, 'job skipped');
      return;
    }
    if (claim.outcome === 'lost' || claim.outcome === 'isolate') {
      // Running with an expired lease (a stalled job BullMQ handed out again after its worker died):
      // the reconciler counts the loss and re-drives it. (`isolate` is not answered to a claim alone.)
      log.info(
        { operationId, outcome: claim.outcome },
        'job skipped; lost with its worker, left to the reconciler',
      );
      return;
    }
    if (claim.outcome === 'wait') {
      // One operation per resource at a time. Waiting its turn is not an attempt: re-delaying this job
      // would count against BullMQ's started-attempts limit on every pass (and fail it behind a long
      // rollout), so this delivery is acked and the operation stays queued in Postgres. The operation
      // it waits for wakes the next in line when it settles (wakeNext); the reconciler re-enqueues it
      // should that wake be lost.
      log.info(
        { operationId, blockedBy: claim.blockedBy },
        'waiting behind another operation on the resource',
      );
      return;
    }
    const lease = claim.lease;
    const bound = bindProcessor(this.opts.processors, name, lease);
    if (bound === null || typeof bound !== 'function') {
      // Written by something other than core's verbs (or a release that wrote another shape): retrying cannot help.
      const issue = `operation input does not match ${name}: ${bound?.issue ?? 'no processor'}`;
      await lease.fail(issue);
      await this.wakeNext(lease);
      throw new UnrecoverableError(issue);
    }
    // Each resource shows the driver it actually ran on (DRIVER=auto may differ from what the API assumed).
    const kind = driverKindFor(lease.op.resourceType, this.opts.drivers);
    if (kind) lease.resourceDefaults = { driver: kind };
    const crashOn = this.opts.crashOn;
    if (crashOn && (lease.op.id.includes(crashOn) || lease.op.resourceId.includes(crashOn))) {
      // Test hook: a processor that takes its whole process down, every time (a poison job).
      log.error({ operationId: lease.op.id }, 'SLIPWAY_FAULT_CRASH_ON matched: exiting 137');
      process.exit(137);
    }
    const abort = new AbortController();
    const run: ActiveRun = { abort, done: Promise.resolve(), lease };
    this.active.add(run);
    const renewEvery = Math.max(100, Math.floor(this.opts.leaseMs / 3));
    const startedAt = Date.now();
    const renewal = setInterval(() => {
      // Watchdog: a write stuck on a dead connection (or a run past its deadline) must not keep the
      // lease alive from another connection forever. Stop renewing: the lease lapses, the reconciler
      // hands the operation to a healthy worker, and whatever this run still writes is fenced off.
      const stalled = lease.stalledMs() > this.opts.leaseMs;
      if (stalled || Date.now() - startedAt > this.opts.operationTimeoutMs) {
        log.warn({ operationId: lease.op.id, stalled }, 'operation stuck; letting its lease lapse');
        clearInterval(renewal);
        abort.abort('lost' satisfies AbortReason);
        return;
      }
      lease
        .renew()
        .then((r) => {
          if (!r.owned) abort.abort('lost' satisfies AbortReason);
        })
        .catch((e: unknown) => log.warn({ err: e, operationId: lease.op.id }, 'lease renewal failed'));
    }, renewEvery);
    // Driver log lines are buffered on the lease and written with its next commit (or every 250 ms);
    // so is driver progress: only the latest percentage is written, at most once per tick, instead of
    // one fenced transaction per progress call (a build reports one per step).
    let progress: number | null = null;
    const flusher = setInterval(() => {
      const p = progress;
      progress = null;
      (p === null ? lease.flush() : lease.progress(p)).catch(() => {});
    }, 250);
    const driverCtx: OpContext = {
      operationId: lease.op.id,
      attempt: lease.op.attempts,
      signal: abort.signal,
      log: (m) => lease.log(m),
      progress: (p) => {
        progress = p;
      },
    };
    const body = withSpan(
      `operation ${name}`,
      { 'slipway.operation.id': lease.op.id, 'slipway.operation.attempt': lease.op.attempts },
      async () => {
        try {
          await bound({
            deps,
            drivers: this.opts.drivers,
            driverCtx,
            settings: this.opts.settings,
          });
          // The processor failed the operation itself (a rollout that never became ready, a refused
          // apply): end the job as failed as well, so the queue counts show it.
          if (lease.failedWith !== null) throw new UnrecoverableError(lease.failedWith);
        } catch (e) {
          if (e instanceof UnrecoverableError && lease.failedWith !== null) throw e;
          await this.onError(e, job, token, name, lease, abort.signal);
        } finally {
          clearInterval(renewal);
          clearInterval(flusher);
          await this.wakeNext(lease);
        }
      },
    );
    run.done = body.catch(() => {});
    // A run that lost its lease may be stuck on a hung call: free the slot shortly after, without it.
    const abandoned = new Promise<void>((ok) => {
      abort.signal.addEventListener('abort', () => {
        if (abort.signal.reason === 'lost') setTimeout(ok, 2_000).unref();
      });
    });
    try {
      await Promise.race([body, abandoned]);
    } finally {
      this.active.delete(run);
      if (lease.settled && job.id) {
        this.settledStatus.set(job.id, lease.settled);
        // A job handed back (moved to delayed) ends with no completed/failed event to read it: bounded.
        if (this.settledStatus.size > 1000) {
          const oldest = this.settledStatus.keys().next().value;
          if (oldest !== undefined) this.settledStatus.delete(oldest);
        }
      }
    }
  }

  private async onError(
    e: unknown,
    job: Job,
    token: string | undefined,
    name: JobName,
    lease: Lease,
    signal: AbortSignal,
  ): Promise<void> {
    const { log } = this.opts;
    const reason = signal.aborted ? (signal.reason as AbortReason) : null;
    if (reason === 'lost' || (e instanceof DomainError && e.code === 'fenced')) {
      // Cancelled or taken over: the new owner (or `cancelled`) already committed; write nothing.
      log.info({ operationId: lease.op.id }, 'operation no longer ours; dropping result');
      return;
    }
    if (reason === 'shutdown') {
      await lease.release('worker shutting down; operation handed back');
      await job.moveToDelayed(Date.now(), token);
      throw new DelayedError();
    }
    const message = e instanceof Error ? e.message : String(e);
    // Driver and domain errors say whether a retry can help; anything else (a library race, a
    // connection blip) is presumed transient and retried within the bounded attempts.
    const retryable =
      e instanceof DriverError || e instanceof DomainError ? e.retryable || isUnavailableError(e) : true;
    if (retryable && lease.op.attempts < jobSpec(name).attempts) {
      const delay = backoffDelay(name, lease.op.attempts);
      await lease.release(
        `attempt ${lease.op.attempts} failed: ${message}; retrying in ${Math.round(delay / 100) / 10}s`,
      );
      await job.moveToDelayed(Date.now() + delay, token);
      throw new DelayedError();
    }
    log.warn({ operationId: lease.op.id, err: message }, 'operation failed');
    await lease.fail(message);
    // A permanent failure ends its job as failed too, so the queue counts (/admin/queues,
    // /api/system/queues) show it; UnrecoverableError tells BullMQ not to retry.
    throw new UnrecoverableError(message);
  }

  /**
   * The operation settled (or went back to wait for a retry): enqueue the next operation queued on
   * its resource, whose delivery was acked while it waited. Best effort: the reconciler re-enqueues
   * queued operations Redis does not hold, should this be lost.
   */
  private async wakeNext(lease: Lease): Promise<void> {
    const producer = this.opts.deps.producer;
    if (!producer) return;
    try {
      // Read in the settlement's own transaction (under the resource's advisory lock) when it could be;
      // a run that lost its lease, or settled through a custom commit, asks Postgres now.
      const next =
        lease.next !== undefined ? lease.next : await nextInLine(this.opts.deps.db, lease.op.resourceId);
      if (next && next.id !== lease.op.id && isJobName(next.kind)) await producer.enqueue(next.kind, next.id);
    } catch (err) {
      this.opts.log.warn({ err, resourceId: lease.op.resourceId }, 'could not wake the next operation');
    }
  }
}
