// Sandbox ChartTool: no helm, no cluster. Validation is the real structural check (helm/chart-structure.ts)
// after a short simulated delay; install checks its arguments exactly as the helm adapter does and prints
// what helm would. Stateless like the other sandbox adapters: an answer depends on the call only, never
// on an earlier call, since another worker process may have served that one.
import { chartFiles } from '../helm/chart-files.ts';
import { validateChartStructure } from '../helm/chart-structure.ts';
import { helmInstallArgs } from '../helm/helm-args.ts';
import type {
  ChartDryRunObject,
  ChartDryRunResult,
  ChartSpec,
  ChartTool,
  ChartValidation,
  ChartValues,
  ClusterTarget,
  OpContext,
} from '../types.ts';
import { DriverError } from '../types.ts';
import { pause, throwIfAborted } from './clock.ts';
import { has, transientTimeout } from './faults.ts';
import { type ResolvedSandboxOptions, resolveSandboxOptions, type SandboxOptions } from './options.ts';

// Simulated durations in ms at timeScale 1 (helm lint + template of a small chart; an install with --wait).
const VALIDATE_MS = 400;
const INSTALL_MS = 1500;

/** A chart whose name contains this fails validation (and install), so failure paths can be exercised. */
export const SANDBOX_INVALID_CHART_WORD = 'invalid';

export class SandboxChartTool implements ChartTool {
  readonly kind = 'sandbox';
  readonly #opts: ResolvedSandboxOptions;

  /** Same options as the other sandbox adapters; only `timeScale` matters here (charts write no ledger). */
  constructor(opts: SandboxOptions = {}) {
    this.#opts = resolveSandboxOptions(opts);
  }

  async validate(chart: ChartSpec, ctx: OpContext): Promise<ChartValidation> {
    throwIfAborted(ctx.signal);
    const transient = transientTimeout(chart.name, ctx, `helm lint ${chart.name}`);
    if (transient) throw transient;
    ctx.log(`==> Linting ${chart.name} (sandbox: structural check)`);
    await pause(VALIDATE_MS, this.#opts.timeScale, ctx.signal);
    const result = validateChartStructure(chart);
    if (has(SANDBOX_INVALID_CHART_WORD, chart.name)) {
      result.findings.push({
        severity: 'error',
        path: 'templates/',
        message: `template: ${chart.name}/templates/deployment.yaml:12:20: executing "${chart.name}/templates/deployment.yaml" at <.Values.image.repository>: nil pointer evaluating interface {}.repository`,
      });
    }
    result.valid = !result.findings.some((f) => f.severity === 'error');
    for (const f of result.findings)
      ctx.log(`[${f.severity.toUpperCase()}] ${f.path ? `${f.path}: ` : ''}${f.message}`);
    ctx.log(
      result.valid ? '1 chart(s) linted, 0 chart(s) failed' : 'Error: 1 chart(s) linted, 1 chart(s) failed',
    );
    return result;
  }

  /**
   * A simulation, said to be one (`serverSide: false`): the values are checked as the helm adapter checks
   * them, the chart is refused where install refuses it, and the objects are those its templates declare
   * (not rendered: there is no API server to send them to).
   */
  async dryRunInstall(
    target: ClusterTarget,
    chart: ChartSpec,
    release: { name: string; namespace: string; values: ChartValues },
    ctx: OpContext,
  ): Promise<ChartDryRunResult> {
    throwIfAborted(ctx.signal);
    const refused = (detail: string): ChartDryRunResult => {
      ctx.log(`sandbox dry run refused: ${detail}`);
      return { accepted: false, detail, serverSide: false, resources: [] };
    };
    try {
      helmInstallArgs({
        release: release.name,
        chartDir: chart.name,
        namespace: release.namespace,
        kubeContext: target.context,
        values: release.values,
        timeoutMs: INSTALL_MS,
      });
    } catch (e) {
      if (e instanceof DriverError && !e.retryable) return refused(e.message);
      throw e;
    }
    if (has(SANDBOX_INVALID_CHART_WORD, chart.name)) {
      return refused(
        `helm upgrade --install ${release.name}: template: ${chart.name}/templates/deployment.yaml:12:20: nil pointer evaluating interface {}.repository`,
      );
    }
    let files: ReturnType<typeof chartFiles>['files'];
    try {
      files = chartFiles(chart).files;
    } catch (e) {
      if (e instanceof DriverError && !e.retryable) return refused(e.message);
      throw e;
    }
    const resources: ChartDryRunObject[] = [];
    for (const [path, content] of Object.entries(files).sort(([a], [b]) => a.localeCompare(b))) {
      if (!/^templates\/[^_].*\.(ya?ml|json)$/.test(path)) continue;
      const text = content.toString();
      const apiVersion = /^apiVersion:\s*(\S+)/m.exec(text)?.[1] ?? '';
      for (const m of text.matchAll(/^kind:\s*(\w+)/gm)) {
        resources.push({
          apiVersion,
          kind: m[1] ?? '',
          name: release.name,
          namespace: release.namespace,
          accepted: true,
          detail: `sandbox: declared in ${path} (simulated; no API server)`,
        });
      }
    }
    ctx.log(
      `sandbox dry run: helm upgrade --install ${release.name} ${chart.name}-${chart.version} --namespace ${release.namespace} (${resources.map((r) => r.kind).join(', ')})`,
    );
    return {
      accepted: true,
      detail: `sandbox simulation: values and chart checked as install checks them; ${resources.length} object(s) declared by the templates (no API server)`,
      serverSide: false,
      resources,
    };
  }

  async install(
    target: ClusterTarget,
    chart: ChartSpec,
    release: { name: string; namespace: string; values: ChartValues },
    ctx: OpContext,
  ): Promise<void> {
    throwIfAborted(ctx.signal);
    // The helm adapter's own checks, so bad release names or values fail here exactly as they would there.
    helmInstallArgs({
      release: release.name,
      chartDir: chart.name,
      namespace: release.namespace,
      kubeContext: target.context,
      values: release.values,
      timeoutMs: INSTALL_MS,
    });
    if (has(SANDBOX_INVALID_CHART_WORD, chart.name)) {
      throw new DriverError(
        'install_failed',
        `helm upgrade --install ${release.name}: UPGRADE FAILED: template: ${chart.name}/templates/deployment.yaml:12:20: nil pointer evaluating interface {}.repository`,
        { retryable: false },
      );
    }
    ctx.log(
      `sandbox: helm upgrade --install ${release.name} ${chart.name}-${chart.version} --namespace ${release.namespace} --wait`,
    );
    await pause(INSTALL_MS, this.#opts.timeScale, ctx.signal);
    ctx.log(`Release "${release.name}" has been upgraded. Happy Helming!`);
    ctx.log(`NAME: ${release.name}`);
    ctx.log(`LAST DEPLOYED: ${new Date(this.#opts.now()).toUTCString()}`);
    ctx.log(`NAMESPACE: ${release.namespace}`);
    ctx.log('STATUS: deployed');
    ctx.log(
      `sandbox: image=${release.values.image} replicas=${release.values.replicas} containerPort=${release.values.containerPort}`,
    );
    // Like the other adapters' mutating calls: the effect happened, the response is what got lost.
    const transient = transientTimeout(release.name, ctx, `helm upgrade --install ${release.name}`);
    if (transient) throw transient;
  }
}
