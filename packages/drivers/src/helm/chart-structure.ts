// The structural validator: what can be judged of a chart without a helm binary. It cannot render Go
// templates, so it is weaker than `helm lint` + `helm template`; ChartValidation.validator says which ran.
import { parse as parseYaml } from 'yaml';
import type { ChartFinding, ChartSpec, ChartValidation } from '../types.ts';
import { DriverError } from '../types.ts';
import { type ChartFiles, chartFiles } from './chart-files.ts';

/** DNS-1123 label: what Kubernetes accepts as a name, and what helm expects of a chart name. */
export const DNS_1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

// SemVer 2.0.0, strict (no leading "v", no leading zeros), from semver.org.
const SEMVER =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/;

export function isStrictSemver(v: string): boolean {
  return SEMVER.test(v);
}

function isMapping(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Findings for a chart's files (relative to the chart directory). Pure. */
export function validateChartFiles(files: ChartFiles, opts: { expectedName?: string } = {}): ChartFinding[] {
  const findings: ChartFinding[] = [];
  const error = (message: string, path?: string) => findings.push({ severity: 'error', message, path });
  const warning = (message: string, path?: string) => findings.push({ severity: 'warning', message, path });

  const chartYaml = files['Chart.yaml'];
  if (chartYaml === undefined) {
    error('Chart.yaml file is missing', 'Chart.yaml');
  } else {
    let doc: unknown;
    try {
      doc = parseYaml(chartYaml.toString());
    } catch (err) {
      error(`Chart.yaml is not valid YAML: ${(err as Error).message.split('\n')[0]}`, 'Chart.yaml');
    }
    if (doc !== undefined && !isMapping(doc)) {
      error('Chart.yaml must be a YAML mapping', 'Chart.yaml');
    } else if (isMapping(doc)) {
      if (doc.apiVersion !== 'v2') {
        error(`apiVersion must be "v2" (found ${JSON.stringify(doc.apiVersion ?? null)})`, 'Chart.yaml');
      }
      if (typeof doc.name !== 'string' || doc.name.length === 0) {
        error('name is required and must be a string', 'Chart.yaml');
      } else {
        if (!DNS_1123_LABEL.test(doc.name) || doc.name.length > 63) {
          error(
            `name "${doc.name}" must be a DNS-1123 label (lowercase letters, digits, "-", at most 63)`,
            'Chart.yaml',
          );
        }
        if (opts.expectedName !== undefined && doc.name !== opts.expectedName) {
          warning(
            `name "${doc.name}" differs from the chart record name "${opts.expectedName}"`,
            'Chart.yaml',
          );
        }
      }
      if (doc.version === undefined || doc.version === null) {
        error('version is required', 'Chart.yaml');
      } else if (typeof doc.version !== 'string') {
        error(`version should be of type string but it's of type ${typeof doc.version}`, 'Chart.yaml');
      } else if (!isStrictSemver(doc.version)) {
        error(`version "${doc.version}" is not a valid SemVer 2 version`, 'Chart.yaml');
      }
      if (doc.appVersion !== undefined && typeof doc.appVersion !== 'string') {
        warning(
          `appVersion should be a string (quote it) but it's of type ${typeof doc.appVersion}`,
          'Chart.yaml',
        );
      }
      if (doc.type !== undefined && doc.type !== 'application' && doc.type !== 'library') {
        error(`type must be "application" or "library" (found ${JSON.stringify(doc.type)})`, 'Chart.yaml');
      }
    }
  }

  const values = files['values.yaml'];
  if (values !== undefined) {
    try {
      const v: unknown = parseYaml(values.toString());
      if (v !== null && v !== undefined && !isMapping(v))
        error('values.yaml must be a YAML mapping', 'values.yaml');
    } catch (err) {
      error(`values.yaml is not valid YAML: ${(err as Error).message.split('\n')[0]}`, 'values.yaml');
    }
  }

  const templates = Object.keys(files).filter((p) => p.startsWith('templates/'));
  if (templates.length === 0) error('templates/ directory is missing or empty', 'templates/');
  return findings;
}

/**
 * The structural check of a chart record: the uploaded archive's files, or the scaffold of the record.
 * An unreadable archive is an error finding, not a throw, so the chart ends `invalid` with the reason.
 */
export function validateChartStructure(chart: ChartSpec): ChartValidation {
  let findings: ChartFinding[];
  try {
    const { files, source } = chartFiles(chart);
    findings = validateChartFiles(files, source === 'archive' ? { expectedName: chart.name } : {});
  } catch (err) {
    if (!(err instanceof DriverError)) throw err;
    findings = [{ severity: 'error', message: err.message }];
  }
  return { valid: !findings.some((f) => f.severity === 'error'), validator: 'structural', findings };
}
