// Simulated minikube. Stateless: status() cannot know about an earlier stop() run in another process, so
// it reports what a successful start would have produced (see README "What the sandbox cannot know").

import { minikubeProfile } from '../minikube/profile.ts';
import {
  type ClusterObservation,
  type ClusterProvisioner,
  type ClusterSpec,
  DriverError,
  type OpContext,
} from '../types.ts';
import { pause, throwIfAborted } from './clock.ts';
import { has, transientTimeout } from './faults.ts';
import { recordEffect } from './ledger.ts';
import { type ResolvedSandboxOptions, resolveSandboxOptions, type SandboxOptions } from './options.ts';

export const SANDBOX_MINIKUBE_VERSION = 'v1.34.0';
/** Oldest Kubernetes minikube v1.34 still starts; older ones fail like minikube's K8S_OLD_UNSUPPORTED. */
export const OLDEST_SUPPORTED_KUBERNETES = 'v1.20.0';
// minikube resolves these aliases itself; the sandbox pins them so logs stay deterministic.
const VERSION_ALIASES: Record<string, string> = { stable: 'v1.31.0', latest: 'v1.31.0' };

// Simulated durations in ms at timeScale 1.
const START_MS = 5000;
const STOP_MS = 2000;
const DELETE_MS = 1000;
const STATUS_MS = 100;
const LOAD_IMAGE_MS = 800;
const KUBECONFIG_PROBE_MS = 300;

/** Normalised `vMAJOR.MINOR.PATCH`, or DriverError('unsupported_version') for old or unparsable versions. */
export function checkKubernetesVersion(version: string): string {
  const v = VERSION_ALIASES[version.trim().toLowerCase()] ?? version.trim();
  const m = /^v?(\d+)\.(\d+)(?:\.(\d+))?$/.exec(v);
  const major = Number(m?.[1]);
  const minor = Number(m?.[2]);
  if (!m || !Number.isFinite(major) || !Number.isFinite(minor)) {
    throw new DriverError(
      'unsupported_version',
      `Exiting due to K8S_BAD_VERSION: invalid version "${version}"`,
    );
  }
  if (major < 1 || (major === 1 && minor < 20)) {
    throw new DriverError(
      'unsupported_version',
      `Exiting due to K8S_OLD_UNSUPPORTED: Kubernetes ${v} is not supported by this release of minikube (oldest: ${OLDEST_SUPPORTED_KUBERNETES})`,
    );
  }
  return `v${major}.${minor}.${m[3] ?? '0'}`;
}

function kubeContextOf(spec: ClusterSpec): string {
  return spec.kind === 'kubeconfig' ? (spec.kubeContext ?? spec.name) : minikubeProfile(spec.id);
}

export class SandboxClusterProvisioner implements ClusterProvisioner {
  readonly kind = 'sandbox';
  readonly #opts: ResolvedSandboxOptions;

  constructor(opts: SandboxOptions = {}) {
    this.#opts = resolveSandboxOptions(opts);
  }

  async start(spec: ClusterSpec, ctx: OpContext): Promise<ClusterObservation> {
    throwIfAborted(ctx.signal);
    const kubeContext = kubeContextOf(spec);
    if (spec.kind === 'kubeconfig') {
      ctx.log(`Using kubeconfig context "${kubeContext}"`);
      await this.#wait(KUBECONFIG_PROBE_MS, ctx);
      ctx.log(`Kubernetes control plane is running at https://127.0.0.1:6443 (context "${kubeContext}")`);
      return this.#finish(ctx, 'start', spec, { status: 'running', kubeContext });
    }
    const name = minikubeProfile(spec.id);
    ctx.log(`😄  [${name}] minikube ${SANDBOX_MINIKUBE_VERSION} on Debian 12 (amd64)`);
    let version: string;
    try {
      version = checkKubernetesVersion(spec.kubernetesVersion);
    } catch (err) {
      if (err instanceof DriverError) ctx.log(`❌  ${err.message}`);
      throw err;
    }
    const step = START_MS / 8;
    const lines = [
      '✨  Using the docker driver based on user configuration',
      `👍  Starting "${name}" primary control-plane node in "${name}" cluster`,
      '🚜  Pulling base image v0.0.45 ...',
      `🔥  Creating docker container (CPUs=${spec.cpus}, Memory=${spec.memory}MB) ...`,
    ];
    for (const [i, line] of lines.entries()) {
      ctx.log(line);
      await this.#wait(step, ctx);
      ctx.progress?.(Math.round(((i + 1) / 8) * 100));
    }
    if (has('fail-start', spec.name)) {
      const message =
        'Exiting due to GUEST_PROVISION: error provisioning guest: Failed to start host: creating host: create host timed out in 360.000000 seconds';
      ctx.log(
        `🤦  StartHost failed, but will try again: creating host: create host timed out in 360.000000 seconds`,
      );
      ctx.log(`❌  ${message}`);
      throw new DriverError('start_failed', message, { retryable: false });
    }
    const rest = [
      `🐳  Preparing Kubernetes ${version} on Docker 27.2.0 ...`,
      '🔗  Configuring bridge CNI (Container Networking Interface) ...',
      '🔎  Verifying Kubernetes components...',
      '🌟  Enabled addons: storage-provisioner, default-storageclass',
    ];
    for (const [i, line] of rest.entries()) {
      ctx.log(line);
      await this.#wait(step, ctx);
      ctx.progress?.(Math.round(((i + 5) / 8) * 100));
    }
    ctx.log(
      `🏄  Done! kubectl is now configured to use "${kubeContext}" cluster and "default" namespace by default`,
    );
    return this.#finish(ctx, 'start', spec, { status: 'running', kubeContext });
  }

  async stop(spec: ClusterSpec, ctx: OpContext): Promise<ClusterObservation> {
    throwIfAborted(ctx.signal);
    const kubeContext = kubeContextOf(spec);
    if (spec.kind === 'kubeconfig') {
      ctx.log(`Context "${kubeContext}" is managed outside Slipway; nothing to power off`);
      return this.#finish(ctx, 'stop', spec, { status: 'stopped', kubeContext });
    }
    ctx.log(`✋  Stopping node "${minikubeProfile(spec.id)}"  ...`);
    await this.#wait(STOP_MS / 2, ctx);
    ctx.log(`🛑  Powering off "${minikubeProfile(spec.id)}" via SSH ...`);
    await this.#wait(STOP_MS / 2, ctx);
    ctx.log('🛑  1 node stopped.');
    return this.#finish(ctx, 'stop', spec, { status: 'stopped', kubeContext });
  }

  async delete(spec: ClusterSpec, ctx: OpContext): Promise<void> {
    throwIfAborted(ctx.signal);
    if (spec.kind === 'kubeconfig') {
      ctx.log(`Context "${kubeContextOf(spec)}" is managed outside Slipway; forgetting it without deleting`);
    } else {
      ctx.log(`🔥  Deleting "${minikubeProfile(spec.id)}" in docker ...`);
      await this.#wait(DELETE_MS / 2, ctx);
      ctx.log(`🔥  Removing /root/.minikube/machines/${minikubeProfile(spec.id)} ...`);
      await this.#wait(DELETE_MS / 2, ctx);
      ctx.log(`💀  Removed all traces of the "${minikubeProfile(spec.id)}" cluster.`);
    }
    this.#finish(ctx, 'delete', spec, undefined);
  }

  async status(spec: ClusterSpec, ctx: OpContext): Promise<ClusterObservation> {
    throwIfAborted(ctx.signal);
    const kubeContext = kubeContextOf(spec);
    await this.#wait(STATUS_MS, ctx);
    const lost = transientTimeout(spec.name, ctx, `minikube status -p ${minikubeProfile(spec.id)}`);
    if (lost) throw lost;
    if (spec.kind === 'kubeconfig') return { status: 'running', kubeContext };
    try {
      checkKubernetesVersion(spec.kubernetesVersion);
    } catch {
      return { status: 'absent', kubeContext, detail: `Profile "${minikubeProfile(spec.id)}" not found` };
    }
    if (has('fail-start', spec.name)) {
      return {
        status: 'error',
        kubeContext,
        detail: 'host: Error, kubelet: Nonexistent, apiserver: Nonexistent',
      };
    }
    return { status: 'running', kubeContext, detail: 'host: Running, kubelet: Running, apiserver: Running' };
  }

  async loadImage(spec: ClusterSpec, imageRef: string, ctx: OpContext): Promise<void> {
    throwIfAborted(ctx.signal);
    ctx.log(`Loading image ${imageRef} into "${minikubeProfile(spec.id)}" ...`);
    await this.#wait(LOAD_IMAGE_MS, ctx);
    ctx.log(`Loaded image ${imageRef}`);
    // Keyed by cluster and image so loading two images in one operation is two effects, not one.
    this.#record(ctx, 'loadImage', `${spec.id}/${imageRef}`);
    const lost = transientTimeout(
      spec.name,
      ctx,
      `minikube -p ${minikubeProfile(spec.id)} image load ${imageRef}`,
    );
    if (lost) throw lost;
  }

  #finish<T>(ctx: OpContext, effect: 'start' | 'stop' | 'delete', spec: ClusterSpec, result: T): T {
    this.#record(ctx, effect, spec.id);
    const lost = transientTimeout(spec.name, ctx, `minikube ${effect} -p ${minikubeProfile(spec.id)}`);
    if (lost) throw lost;
    return result;
  }

  #wait(simulatedMs: number, ctx: OpContext): Promise<void> {
    return pause(simulatedMs, this.#opts.timeScale, ctx.signal);
  }

  #record(ctx: OpContext, effect: 'start' | 'stop' | 'delete' | 'loadImage', resourceId: string): void {
    recordEffect(
      this.#opts.ledgerPath,
      { operationId: ctx.operationId, effect, resourceId },
      this.#opts.now(),
    );
  }
}
