// Pure helm argument builders and output parsers. Arguments are arrays handed to execFile/spawn (no shell),
// so nothing here needs quoting; values that helm's own --set parser would split are refused instead.
import { parseAllDocuments } from 'yaml';
import type { ChartFinding, ChartValues } from '../types.ts';
import { DriverError } from '../types.ts';

export function helmLintArgs(chartDir: string): string[] {
  return ['lint', '--strict', chartDir];
}

export function helmTemplateArgs(release: string, chartDir: string): string[] {
  return ['template', release, chartDir];
}

/** A helm duration ("90s"), rounding up so a sub-second budget is not 0s (which helm reads as "no limit"). */
export function helmDuration(ms: number): string {
  return `${Math.max(1, Math.ceil(ms / 1000))}s`;
}

// An image reference as --set can carry it: helm's strvals splits on ',' and treats '\' and '=' specially.
const SET_SAFE_IMAGE = /^[A-Za-z0-9][A-Za-z0-9._/:@-]*$/;
const RELEASE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

function invalidValues(message: string): DriverError {
  return new DriverError('invalid_values', message, { retryable: false });
}

export type HelmInstallInput = {
  release: string;
  chartDir: string;
  namespace: string;
  kubeContext: string;
  values: ChartValues;
  timeoutMs: number;
  kubeconfigPath?: string;
  /** Slipway deployment id: set as the chart's `deploymentId` value (the pods' selector label). */
  deploymentId?: string;
};

/**
 * `helm upgrade --install <release> <dir> --namespace <ns> --create-namespace --wait --timeout <t>
 * --kube-context <ctx> [--kubeconfig <path>] --set image=… --set replicas=… --set containerPort=…
 * [--set-string deploymentId=…]`.
 * Bare `--wait` is a bool in helm 3 and means `--wait=watcher` in helm 4: either way, wait for readiness.
 */
export function helmInstallArgs(input: HelmInstallInput): string[] {
  const { release, namespace, values } = input;
  if (!RELEASE.test(release) || release.length > 53) {
    throw invalidValues(`release name "${release}" must be a DNS-1123 label of at most 53 characters`);
  }
  if (!RELEASE.test(namespace) || namespace.length > 63) {
    throw invalidValues(`namespace "${namespace}" must be a DNS-1123 label`);
  }
  if (!SET_SAFE_IMAGE.test(values.image) || values.image.length > 512) {
    throw invalidValues(`image "${values.image}" is not a valid image reference`);
  }
  if (!Number.isInteger(values.replicas) || values.replicas < 0) {
    throw invalidValues(`replicas must be a non-negative integer (got ${values.replicas})`);
  }
  if (!Number.isInteger(values.containerPort) || values.containerPort < 1 || values.containerPort > 65535) {
    throw invalidValues(`containerPort must be 1-65535 (got ${values.containerPort})`);
  }
  if (input.kubeContext.length === 0 || input.kubeContext.startsWith('-')) {
    throw invalidValues(`kube context "${input.kubeContext}" is not usable`);
  }
  const args = [
    'upgrade',
    '--install',
    release,
    input.chartDir,
    '--namespace',
    namespace,
    '--create-namespace',
    '--wait',
    '--timeout',
    helmDuration(input.timeoutMs),
    '--kube-context',
    input.kubeContext,
  ];
  if (input.kubeconfigPath) args.push('--kubeconfig', input.kubeconfigPath);
  args.push(
    '--set',
    `image=${values.image}`,
    '--set',
    `replicas=${values.replicas}`,
    '--set',
    `containerPort=${values.containerPort}`,
  );
  if (input.deploymentId !== undefined) {
    if (!/^[A-Za-z0-9][A-Za-z0-9-]{0,62}$/.test(input.deploymentId)) {
      throw invalidValues(`deployment id "${input.deploymentId}" is not a valid label value`);
    }
    // --set-string: an all-digit id must stay a string label value.
    args.push('--set-string', `deploymentId=${input.deploymentId}`);
  }
  return args;
}

/**
 * The install's own arguments as a server-side dry run: `--dry-run=server` (helm reads the release history,
 * renders with lookups against the cluster, maps every kind through discovery and refuses resources that
 * exist without belonging to the release), `--output json` for the rendered manifest, no `--wait`.
 * `--disable-openapi-validation`: the objects are validated by the API server itself afterwards (dryRun=All
 * with fieldValidation=Strict, see dry-run.ts), which is what helm's client-side schema check approximates.
 */
export function helmDryRunArgs(input: HelmInstallInput): string[] {
  return [
    ...helmInstallArgs(input).filter((a) => a !== '--wait'),
    '--dry-run=server',
    '--disable-openapi-validation',
    '--output',
    'json',
  ];
}

/** The object of one rendered manifest document, as the dry run reports and submits it. */
export type RenderedObject = {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
  body: Record<string, unknown>;
};

/** What `helm upgrade --install --dry-run=server --output json` printed: the release and its manifest. */
export type HelmDryRunRelease = {
  action: 'install' | 'upgrade';
  revision: number | null;
  objects: RenderedObject[];
  hooks: number;
};

/** Parses helm's release JSON; objects in manifest order (empty documents skipped). */
export function parseHelmDryRun(stdout: string): HelmDryRunRelease {
  let rel: {
    version?: unknown;
    manifest?: unknown;
    hooks?: unknown;
    info?: { status?: unknown };
  };
  try {
    rel = JSON.parse(stdout) as typeof rel;
  } catch {
    throw new DriverError('dry_run_failed', 'helm --dry-run=server printed no release JSON', {
      retryable: false,
    });
  }
  const objects: RenderedObject[] = [];
  for (const doc of parseAllDocuments(typeof rel.manifest === 'string' ? rel.manifest : '')) {
    const o: unknown = doc.toJS();
    if (typeof o !== 'object' || o === null) continue;
    const body = o as Record<string, unknown>;
    const meta = (body.metadata ?? {}) as Record<string, unknown>;
    objects.push({
      apiVersion: String(body.apiVersion ?? ''),
      kind: String(body.kind ?? ''),
      name: String(meta.name ?? ''),
      ...(typeof meta.namespace === 'string' ? { namespace: meta.namespace } : {}),
      body,
    });
  }
  return {
    action: rel.info?.status === 'pending-upgrade' ? 'upgrade' : 'install',
    revision: typeof rel.version === 'number' ? rel.version : null,
    objects,
    hooks: Array.isArray(rel.hooks) ? rel.hooks.length : 0,
  };
}

const SEVERITY: Record<string, ChartFinding['severity']> = {
  ERROR: 'error',
  WARNING: 'warning',
  INFO: 'info',
};

/**
 * Findings from `helm lint` output: lines like `[ERROR] Chart.yaml: version is required` or
 * `[WARNING] templates/: ...`. The path is the first token when it ends in ':' and looks like a file path.
 */
export function parseHelmLintOutput(output: string): ChartFinding[] {
  const findings: ChartFinding[] = [];
  for (const line of output.split(/\r?\n/)) {
    const m = /^\[(ERROR|WARNING|INFO)\]\s+(.*)$/.exec(line.trim());
    if (!m) continue;
    const severity = SEVERITY[m[1] ?? ''] ?? 'info';
    const rest = (m[2] ?? '').trim();
    const p = /^([A-Za-z0-9_.\-/]+):\s+(.*)$/.exec(rest);
    if (p && (p[1]?.includes('.') || p[1]?.endsWith('/'))) {
      findings.push({ severity, path: p[1], message: p[2] ?? '' });
    } else {
      findings.push({ severity, message: rest });
    }
  }
  return findings;
}

/**
 * Error findings from a failed helm command's stderr (`Error: ...` lines). A template location such as
 * `(mychart/templates/a.yaml:3:7)` becomes the finding's path, relative to the chart.
 */
export function parseHelmErrors(stderr: string, chartRoot?: string): ChartFinding[] {
  const findings: ChartFinding[] = [];
  for (const line of stderr.split(/\r?\n/)) {
    const m = /^Error:\s+(.*)$/.exec(line.trim());
    if (!m) continue;
    const message = (m[1] ?? '').trim();
    const loc = /\(?([A-Za-z0-9_.-]+\/templates\/[A-Za-z0-9_.\-/]+?)(?::\d+)+\)?/.exec(message);
    let path: string | undefined;
    if (loc?.[1]) {
      const full = loc[1];
      const cut = full.indexOf('/templates/');
      path = chartRoot === undefined || full.startsWith(`${chartRoot}/`) ? full.slice(cut + 1) : full;
    }
    findings.push(path ? { severity: 'error', message, path } : { severity: 'error', message });
  }
  return findings;
}
