// ChartTool over the helm CLI: validates with `helm lint --strict` + `helm template`, installs with
// `helm upgrade --install --wait`. Without a helm binary, validation falls back to the structural check.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type {
  ChartDryRunResult,
  ChartFinding,
  ChartSpec,
  ChartTool,
  ChartValidation,
  ChartValues,
  ClusterTarget,
  OpContext,
} from '../types.ts';
import { DriverError } from '../types.ts';
import { chartFiles, writeChartFiles } from './chart-files.ts';
import { DNS_1123_LABEL, validateChartStructure } from './chart-structure.ts';
import { admitRendered } from './dry-run.ts';
import {
  helmDryRunArgs,
  helmInstallArgs,
  helmLintArgs,
  helmTemplateArgs,
  parseHelmDryRun,
  parseHelmErrors,
  parseHelmLintOutput,
} from './helm-args.ts';
import { runHelm } from './run-helm.ts';

export type HelmChartToolOptions = {
  /** Path to helm. null/undefined: no helm here, validation is structural and install fails. */
  helmBin?: string | null;
  /** Where charts are materialised (a fresh temp dir per call, always removed). Default os.tmpdir(). */
  workDir?: string;
  /** `--timeout` of an install (`--wait` included). Default 5 minutes. */
  timeoutMs?: number;
  /** Passed as `--kubeconfig` to installs; default: helm's own (KUBECONFIG or ~/.kube/config). */
  kubeconfigPath?: string;
};

type Materialised = { tmp: string; dir: string; root: string };

export type HelmProbe = { reachable: boolean; version?: string; detail?: string };

const DEFAULT_INSTALL_TIMEOUT_MS = 5 * 60_000;
/** lint and template are local and fast; a minute means something is wrong. */
const VALIDATE_TIMEOUT_MS = 60_000;
/** Release name `helm template` renders with during validation. */
export const VALIDATE_RELEASE = 'slipway-validate';

/**
 * Classifies a failed `helm upgrade --install` by helm's message. A missing context, a bad kubeconfig, RBAC
 * or a chart Kubernetes rejects fails the same way again; an unreachable or slow API server, or another
 * release operation holding the lock, may not.
 */
export function installError(release: string, message: string): DriverError {
  const text = `helm upgrade --install ${release}: ${message}`;
  if (
    /context ".*" does not exist|invalid configuration|no such file|forbidden|unauthorized|is invalid|unable to build kubernetes objects/i.test(
      message,
    )
  ) {
    return new DriverError('install_failed', text, { retryable: false });
  }
  if (/timed out|deadline exceeded/i.test(message))
    return new DriverError('timeout', text, { retryable: true });
  if (
    /connection refused|i\/o timeout|no such host|cluster unreachable|TLS handshake|connection reset|\bEOF\b/i.test(
      message,
    )
  ) {
    return new DriverError('cluster_unreachable', text, { retryable: true });
  }
  if (/another operation .* is in progress/i.test(message))
    return new DriverError('install_failed', text, { retryable: true });
  return new DriverError('install_failed', text, { retryable: false });
}

export class HelmChartTool implements ChartTool {
  readonly kind = 'helm';
  readonly #helmBin: string | null;
  readonly #workDir: string;
  readonly #timeoutMs: number;
  readonly #kubeconfigPath: string | undefined;

  constructor(opts: HelmChartToolOptions = {}) {
    this.#helmBin = opts.helmBin ?? null;
    this.#workDir = opts.workDir ?? tmpdir();
    this.#timeoutMs = opts.timeoutMs ?? DEFAULT_INSTALL_TIMEOUT_MS;
    this.#kubeconfigPath = opts.kubeconfigPath;
  }

  /** `helm version --short`; never throws. */
  static async probe(helmBin: string | null | undefined): Promise<HelmProbe> {
    if (!helmBin)
      return { reachable: false, detail: 'no helm binary configured; charts are validated structurally' };
    try {
      const r = await runHelm(helmBin, ['version', '--short'], {
        signal: new AbortController().signal,
        timeoutMs: 15_000,
      });
      if (r.code !== 0)
        return { reachable: false, detail: r.stderr.trim() || `helm version exited ${r.code}` };
      return { reachable: true, version: r.stdout.trim(), detail: helmBin };
    } catch (err) {
      return { reachable: false, detail: (err as Error).message };
    }
  }

  async validate(chart: ChartSpec, ctx: OpContext): Promise<ChartValidation> {
    if (this.#helmBin === null) {
      ctx.log('No helm binary configured: running the structural chart check');
      return validateChartStructure(chart);
    }
    const helmBin = this.#helmBin;
    let materialised: Materialised;
    try {
      materialised = await this.#materialise(chart);
    } catch (err) {
      // An archive we refuse to unpack is judged by our own reader, not by helm.
      if (err instanceof DriverError && err.code === 'invalid_chart') {
        return {
          valid: false,
          validator: 'structural',
          findings: [{ severity: 'error', message: err.message }],
        };
      }
      throw err;
    }
    const { tmp, dir, root } = materialised;
    try {
      ctx.log(`helm ${helmLintArgs(root).join(' ')}`);
      let lint: Awaited<ReturnType<typeof runHelm>>;
      try {
        lint = await runHelm(helmBin, helmLintArgs(dir), {
          signal: ctx.signal,
          timeoutMs: VALIDATE_TIMEOUT_MS,
        });
      } catch (err) {
        if (err instanceof DriverError && err.code === 'helm_unavailable') {
          ctx.log(`${err.message}: falling back to the structural chart check`);
          const structural = validateChartStructure(chart);
          structural.findings.push({
            severity: 'info',
            message: `${err.message}; judged by the structural check`,
          });
          return structural;
        }
        throw err;
      }
      const findings: ChartFinding[] = parseHelmLintOutput(lint.stdout);
      if (lint.code !== 0 && !findings.some((f) => f.severity === 'error')) {
        const warnings = findings.filter((f) => f.severity === 'warning').length;
        const detail =
          parseHelmErrors(lint.stderr, root).at(-1)?.message ?? lint.stderr.trim().split('\n').at(-1) ?? '';
        findings.push({
          severity: 'error',
          message:
            warnings > 0
              ? `helm lint --strict fails on ${warnings} warning(s)`
              : `helm lint --strict failed: ${detail || `exit code ${lint.code}`}`,
        });
      }

      ctx.log(`helm ${helmTemplateArgs(VALIDATE_RELEASE, root).join(' ')}`);
      const template = await runHelm(helmBin, helmTemplateArgs(VALIDATE_RELEASE, dir), {
        signal: ctx.signal,
        timeoutMs: VALIDATE_TIMEOUT_MS,
      });
      if (template.code === 0) {
        const kinds = [...template.stdout.matchAll(/^kind:\s*(\S+)/gm)].map((m) => m[1]);
        findings.push({
          severity: 'info',
          message: `helm template rendered ${kinds.length} resource(s): ${kinds.join(', ')}`,
        });
      } else {
        const errors = parseHelmErrors(template.stderr, root).map((f) => ({
          ...f,
          message: `helm template: ${f.message}`,
        }));
        if (errors.length === 0) {
          errors.push({
            severity: 'error',
            message: `helm template failed: ${template.stderr.trim() || `exit code ${template.code}`}`,
          });
        }
        findings.push(...errors);
      }
      for (const f of findings)
        ctx.log(`[${f.severity.toUpperCase()}] ${f.path ? `${f.path}: ` : ''}${f.message}`);
      const valid = lint.code === 0 && template.code === 0 && !findings.some((f) => f.severity === 'error');
      return { valid, validator: 'helm', findings };
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  }

  /** The helm binary an install (or its dry run) needs; without one that is a permanent error. */
  #installingHelm(): string {
    if (this.#helmBin === null) {
      throw new DriverError('helm_unavailable', 'no helm binary configured: cannot install charts', {
        retryable: false,
      });
    }
    return this.#helmBin;
  }

  /** What helmInstallArgs and helmDryRunArgs both take: the release on `target` from `dir`. */
  #releaseArgs(
    target: ClusterTarget,
    dir: string,
    release: { name: string; namespace: string; values: ChartValues & { deploymentId?: string } },
  ) {
    return {
      release: release.name,
      chartDir: dir,
      namespace: release.namespace,
      kubeContext: target.context,
      values: release.values,
      timeoutMs: this.#timeoutMs,
      kubeconfigPath: this.#kubeconfigPath,
      deploymentId: release.values.deploymentId,
    };
  }

  async install(
    target: ClusterTarget,
    chart: ChartSpec,
    // deploymentId is not in ChartValues yet; accepted here so a caller that has it can pass it through.
    release: { name: string; namespace: string; values: ChartValues & { deploymentId?: string } },
    ctx: OpContext,
  ): Promise<void> {
    const helmBin = this.#installingHelm();
    const { tmp, dir } = await this.#materialise(chart);
    try {
      const args = helmInstallArgs(this.#releaseArgs(target, dir, release));
      ctx.log(`helm ${args.join(' ')}`);
      // helm enforces --timeout itself; the process deadline only catches a helm that hangs past it.
      const r = await runHelm(helmBin, args, {
        signal: ctx.signal,
        timeoutMs: this.#timeoutMs + 60_000,
        onLine: ctx.log,
      });
      if (r.code === 0) return;
      const message = helmFailure(r);
      throw installError(release.name, message);
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  }

  /**
   * The install as a server-side dry run, persisting nothing: `helm upgrade --install --dry-run=server` with
   * the install's own arguments (release state, lookups, discovery, ownership conflicts, the rendered
   * manifest), then every rendered object server-side applied with dryRun=All as helm would apply it
   * (admitRendered). Refusals are answers; only what may pass on a retry is thrown.
   */
  async dryRunInstall(
    target: ClusterTarget,
    chart: ChartSpec,
    release: { name: string; namespace: string; values: ChartValues & { deploymentId?: string } },
    ctx: OpContext,
  ): Promise<ChartDryRunResult> {
    const helmBin = this.#installingHelm();
    let args: string[];
    const { tmp, dir } = await this.#materialise(chart);
    try {
      try {
        args = helmDryRunArgs(this.#releaseArgs(target, dir, release));
      } catch (e) {
        if (e instanceof DriverError && e.code === 'invalid_values')
          return { accepted: false, detail: e.message, serverSide: false, resources: [] };
        throw e;
      }
      ctx.log(`helm ${args.join(' ')}`);
      const r = await runHelm(helmBin, args, {
        signal: ctx.signal,
        timeoutMs: this.#timeoutMs + 60_000,
      });
      if (r.code !== 0) {
        const message = helmFailure(r);
        const err = installError(release.name, message);
        if (err.retryable) throw err;
        ctx.log(`dry run refused: ${message}`);
        return {
          accepted: false,
          detail: `helm --dry-run=server: ${message}`,
          serverSide: true,
          resources: [],
        };
      }
      const rendered = parseHelmDryRun(r.stdout);
      const resources = await admitRendered({
        ...(this.#kubeconfigPath ? { kubeconfigPath: this.#kubeconfigPath } : {}),
        context: target.context,
        release: release.name,
        namespace: release.namespace,
        objects: rendered.objects,
        signal: ctx.signal,
      });
      for (const o of resources) {
        const said =
          o.accepted === true
            ? (o.detail ?? 'accepted')
            : `${o.accepted === false ? 'refused' : 'not checked'}: ${o.detail ?? ''}`;
        ctx.log(`dry run ${o.kind}/${o.name}: ${said}`);
      }
      const refused = resources.filter((o) => o.accepted === false);
      const unchecked = resources.filter((o) => o.accepted === null);
      const detail =
        refused.length > 0
          ? refused.map((o) => `${o.kind}/${o.name}: ${o.detail ?? 'refused'}`).join('; ')
          : `helm --dry-run=server ${rendered.action} accepted; ${resources.length - unchecked.length}/${resources.length} object(s) admitted by the API server (dryRun=All)${unchecked.length ? `; ${unchecked.length} not checkable before the namespace exists` : ''}${rendered.hooks ? `; ${rendered.hooks} hook(s) not dry-run` : ''}`;
      return { accepted: refused.length === 0, detail, serverSide: true, action: rendered.action, resources };
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  }

  /**
   * Writes the chart into `<tmp>/<root>`. The directory is named after the chart (as helm packages it); a
   * name that is not a safe directory name falls back to "chart" and lint reports the name itself.
   */
  async #materialise(chart: ChartSpec): Promise<Materialised> {
    const { root, files } = chartFiles(chart);
    const safeRoot = DNS_1123_LABEL.test(root) && root.length <= 63 ? root : 'chart';
    const tmp = await mkdtemp(join(this.#workDir, 'slipway-chart-'));
    try {
      const dir = join(tmp, safeRoot);
      await writeChartFiles(dir, files);
      return { tmp, dir, root: safeRoot };
    } catch (err) {
      await rm(tmp, { recursive: true, force: true });
      throw err;
    }
  }
}

/** helm's last error line (its structured one when it printed one), else its exit code. */
function helmFailure(r: { code: number | null; stderr: string }): string {
  return (
    parseHelmErrors(r.stderr).at(-1)?.message ??
    (r.stderr.trim().split('\n').at(-1) || `helm exited ${r.code}`)
  );
}
