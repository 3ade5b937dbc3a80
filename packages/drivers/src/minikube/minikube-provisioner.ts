// Clusters through the minikube CLI (kind 'minikube'), plus registered kubeconfig contexts (kind
// 'kubeconfig') that Slipway observes but never starts, stops or deletes. The state returned by start and
// stop is re-read with `minikube status`, never assumed from the command's exit code.
import { KubernetesWorkloads } from '../kubernetes/kubernetes-workloads.ts';
import {
  type ClusterObservation,
  type ClusterProvisioner,
  type ClusterSpec,
  DriverError,
  type OpContext,
} from '../types.ts';
import { minikubeArgs } from './args.ts';
import { minikubeProfile } from './profile.ts';
import { type RunResult, runCommand } from './run.ts';
import { EXIT_PROFILE_NOT_FOUND, parseMinikubeStatus } from './status.ts';

export type MinikubeProvisionerOptions = {
  /** The minikube executable. Default 'minikube' (looked up on PATH). */
  bin?: string;
  /** `--driver` for start. Default 'docker'. */
  driver?: string;
  /** Limit for start/stop/delete/image load. Default 15 min; status and version use at most 60 s. */
  timeoutMs?: number;
  /** Kubeconfig minikube writes its contexts into (KUBECONFIG for the child) and kind=kubeconfig clusters are read from. */
  kubeconfigPath?: string;
  /** Environment of the child process; default inherits the worker's. */
  env?: NodeJS.ProcessEnv;
};

export type MinikubeProbe = { reachable: boolean; version?: string; detail?: string };

/** Exit codes that will fail the same way on retry: usage, config, unsupported, insufficient resources, permissions. */
const NON_RETRYABLE_EXIT = new Set([14, 15, 16, 18, 23, 26, 27, 29, 34, 37, 38]);

const STATUS_TIMEOUT_MS = 60_000;

/** The `❌  Exiting due to ...` line minikube prints, or the last stderr/stdout line. */
export function minikubeFailureLine(r: RunResult): string {
  const all = `${r.stderr}\n${r.stdout}`.split('\n').map((l) => l.trim());
  return all.find((l) => l.includes('Exiting due to')) ?? [...all].reverse().find((l) => l.length > 0) ?? '';
}

export class MinikubeProvisioner implements ClusterProvisioner {
  readonly kind = 'minikube';
  private readonly bin: string;
  private readonly driver: string;
  private readonly timeoutMs: number;
  private readonly kubeconfigPath: string | undefined;
  private readonly env: NodeJS.ProcessEnv | undefined;

  constructor(opts: MinikubeProvisionerOptions = {}) {
    this.bin = opts.bin ?? 'minikube';
    this.driver = opts.driver ?? 'docker';
    this.timeoutMs = opts.timeoutMs ?? 15 * 60_000;
    this.kubeconfigPath = opts.kubeconfigPath;
    this.env = opts.kubeconfigPath
      ? { ...(opts.env ?? process.env), KUBECONFIG: opts.kubeconfigPath }
      : opts.env;
  }

  /** `minikube version --short`; a missing binary is unreachable, not an error. */
  static async probe(bin = 'minikube', env?: NodeJS.ProcessEnv): Promise<MinikubeProbe> {
    try {
      const r = await runCommand(bin, minikubeArgs.version(), { timeoutMs: 10_000, ...(env ? { env } : {}) });
      if (r.code !== 0)
        return { reachable: false, detail: `minikube version exited ${r.code}: ${minikubeFailureLine(r)}` };
      return { reachable: true, version: r.stdout.trim().split('\n')[0] ?? '' };
    } catch (e) {
      return { reachable: false, detail: e instanceof Error ? e.message : String(e) };
    }
  }

  private run(args: string[], ctx: OpContext, timeoutMs = this.timeoutMs): Promise<RunResult> {
    ctx.log(`$ ${this.bin} ${args.join(' ')}`);
    return runCommand(this.bin, args, {
      timeoutMs,
      signal: ctx.signal,
      log: ctx.log,
      ...(this.env ? { env: this.env } : {}),
    });
  }

  private failure(action: string, spec: ClusterSpec, r: RunResult): DriverError {
    const line = minikubeFailureLine(r);
    if (r.code === EXIT_PROFILE_NOT_FOUND) {
      return new DriverError(
        'cluster_absent',
        `minikube ${action} -p ${minikubeProfile(spec.id)}: profile not found`,
        {
          retryable: false,
        },
      );
    }
    if (line.includes('GUEST_STATUS')) {
      return new DriverError(
        'cluster_not_running',
        `minikube ${action} -p ${minikubeProfile(spec.id)}: ${line}`,
        {
          retryable: false,
        },
      );
    }
    return new DriverError(
      `minikube_${action.replace(/\s+/g, '_')}_failed`,
      `minikube ${action} -p ${minikubeProfile(spec.id)} exited ${r.code}: ${line}`,
      {
        retryable: !NON_RETRYABLE_EXIT.has(r.code),
      },
    );
  }

  private notSupported(action: string, spec: ClusterSpec): DriverError {
    return new DriverError(
      'not_supported',
      `cluster "${spec.name}" is a registered kubeconfig context (${spec.kubeContext ?? spec.name}); Slipway cannot ${action} it`,
      { retryable: false },
    );
  }

  private context(spec: ClusterSpec): string {
    return spec.kind === 'kubeconfig' ? (spec.kubeContext ?? spec.name) : minikubeProfile(spec.id);
  }

  async start(spec: ClusterSpec, ctx: OpContext): Promise<ClusterObservation> {
    if (spec.kind === 'kubeconfig') throw this.notSupported('start', spec);
    const r = await this.run(
      minikubeArgs.start({ ...spec, name: minikubeProfile(spec.id) }, this.driver),
      ctx,
    );
    if (r.code !== 0) throw this.failure('start', spec, r);
    return this.status(spec, ctx);
  }

  async stop(spec: ClusterSpec, ctx: OpContext): Promise<ClusterObservation> {
    if (spec.kind === 'kubeconfig') throw this.notSupported('stop', spec);
    const r = await this.run(minikubeArgs.stop(minikubeProfile(spec.id)), ctx);
    // Stopping a profile that does not exist leaves it absent, which status() reports.
    if (r.code !== 0 && r.code !== EXIT_PROFILE_NOT_FOUND) throw this.failure('stop', spec, r);
    return this.status(spec, ctx);
  }

  async delete(spec: ClusterSpec, ctx: OpContext): Promise<void> {
    if (spec.kind === 'kubeconfig') {
      ctx.log(
        `cluster "${spec.name}" is a kubeconfig context: unregistered only, the cluster itself is left alone`,
      );
      return;
    }
    const r = await this.run(minikubeArgs.delete(minikubeProfile(spec.id)), ctx);
    if (r.code !== 0 && r.code !== EXIT_PROFILE_NOT_FOUND) throw this.failure('delete', spec, r);
  }

  async status(spec: ClusterSpec, ctx: OpContext): Promise<ClusterObservation> {
    const kubeContext = this.context(spec);
    if (spec.kind === 'kubeconfig') {
      const probe = await KubernetesWorkloads.probe({
        ...(this.kubeconfigPath ? { kubeconfigPath: this.kubeconfigPath } : {}),
        context: kubeContext,
      });
      if (probe.reachable)
        return { status: 'running', kubeContext, detail: `API server ${probe.version ?? ''}`.trim() };
      const missing = probe.detail?.includes('not in kubeconfig') ?? false;
      return {
        status: missing ? 'absent' : 'error',
        kubeContext,
        ...(probe.detail ? { detail: probe.detail } : {}),
      };
    }
    const r = await this.run(
      minikubeArgs.status(minikubeProfile(spec.id)),
      ctx,
      Math.min(this.timeoutMs, STATUS_TIMEOUT_MS),
    );
    const obs = parseMinikubeStatus(r.stdout, r.code, kubeContext);
    ctx.log(
      `minikube profile ${minikubeProfile(spec.id)}: ${obs.status}${obs.detail ? ` (${obs.detail})` : ''}`,
    );
    return obs;
  }

  async loadImage(spec: ClusterSpec, imageRef: string, ctx: OpContext): Promise<void> {
    if (spec.kind === 'kubeconfig') throw this.notSupported('load an image into', spec);
    const r = await this.run(minikubeArgs.imageLoad(minikubeProfile(spec.id), imageRef), ctx);
    if (r.code !== 0) throw this.failure('image load', spec, r);
    ctx.log(`loaded ${imageRef} into minikube profile ${minikubeProfile(spec.id)}`);
  }
}
