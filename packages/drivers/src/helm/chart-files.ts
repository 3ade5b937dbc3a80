// A chart as files: scaffolded from its record, or read from an uploaded .tgz, and packed back into one.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { create as createTar, Parser } from 'tar';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import type { ChartSpec } from '../types.ts';
import { DriverError } from '../types.ts';

/** Relative path -> content. Archives may hold binary files, hence Buffer. */
export type ChartFiles = Record<string, string | Buffer>;

/** An uploaded chart: its top directory (helm names it after the chart) and its files relative to that. */
export type ChartArchive = { root: string; files: Record<string, Buffer> };

/** Decompressed-size cap for uploaded charts: a chart is kilobytes; a gzip bomb is not. */
export const MAX_CHART_BYTES = 20 * 1024 * 1024;

/** Default image in scaffolded values; every install overrides it with `--set image=`. */
export const SCAFFOLD_DEFAULT_IMAGE = 'nginx:stable';

/**
 * Chart.yaml, values.yaml and templates for one Deployment and one Service. Resources are named after the
 * release (not release-chart) so a release installed as `x` yields Deployment `x`, which is what the
 * deployment record and the Workloads driver look up.
 */
export function scaffoldChart(chart: ChartSpec): Record<string, string> {
  const meta: Record<string, string> = {
    apiVersion: 'v2',
    name: chart.name,
    description: chart.description?.trim() || `A Helm chart for ${chart.name}`,
    type: 'application',
    version: chart.version,
  };
  if (chart.appVersion) meta.appVersion = chart.appVersion;
  // yaml quotes strings that would otherwise parse as numbers ("1.0"), keeping version/appVersion strings.
  const chartYaml = stringifyYaml(meta);

  const valuesYaml = [
    '# Container image; slipway sets it on install (--set image=repository/name:tag).',
    stringifyYaml({ image: SCAFFOLD_DEFAULT_IMAGE }).trimEnd(),
    '# Pod count of the Deployment.',
    'replicas: 1',
    '# Port the container listens on; the Service targets it by name.',
    'containerPort: 80',
    "# Slipway deployment id (set on install): the pods' selector label, so Slipway's Kubernetes driver",
    '# finds, scales and inspects them as it does deployments it applied itself.',
    'deploymentId: ""',
    'service:',
    '  type: ClusterIP',
    '  port: 80',
    '',
  ].join('\n');

  const helpers = `{{/* Resource name: the release name, cut to the 63 characters Kubernetes allows. */}}
{{- define "slipway.fullname" -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Selector: Slipway's deployment-id label when installed by Slipway (what its Kubernetes driver selects on). */}}
{{- define "slipway.selectorLabels" -}}
{{- if .Values.deploymentId }}
slipway.dev/deployment-id: {{ .Values.deploymentId | quote }}
{{- else }}
app.kubernetes.io/name: {{ .Chart.Name | trunc 63 | trimSuffix "-" }}
app.kubernetes.io/instance: {{ .Release.Name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}

{{- define "slipway.podLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name | trunc 63 | trimSuffix "-" }}
app.kubernetes.io/instance: {{ .Release.Name | trunc 63 | trimSuffix "-" }}
{{- with .Values.deploymentId }}
slipway.dev/deployment-id: {{ . | quote }}
{{- end }}
{{- end }}

{{- define "slipway.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "slipway.podLabels" . }}
{{- if .Chart.AppVersion }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
{{- end }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}
`;

  // Container "app" and IfNotPresent match what the Kubernetes driver applies: it reads logs and statuses
  // of the container by that name, and an image put in minikube with "image load" must not be pulled.
  const deployment = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "slipway.fullname" . }}
  labels:
    {{- include "slipway.labels" . | nindent 4 }}
spec:
  replicas: {{ .Values.replicas }}
  selector:
    matchLabels:
      {{- include "slipway.selectorLabels" . | nindent 6 }}
  template:
    metadata:
      labels:
        {{- include "slipway.podLabels" . | nindent 8 }}
    spec:
      containers:
        - name: app
          image: {{ .Values.image | quote }}
          imagePullPolicy: IfNotPresent
          ports:
            - name: http
              containerPort: {{ .Values.containerPort }}
              protocol: TCP
`;

  const service = `apiVersion: v1
kind: Service
metadata:
  name: {{ include "slipway.fullname" . }}
  labels:
    {{- include "slipway.labels" . | nindent 4 }}
spec:
  type: {{ .Values.service.type }}
  ports:
    - port: {{ .Values.service.port }}
      targetPort: http
      protocol: TCP
      name: http
  selector:
    {{- include "slipway.selectorLabels" . | nindent 4 }}
`;

  return {
    'Chart.yaml': chartYaml,
    'values.yaml': valuesYaml,
    '.helmignore': '.git/\n*.swp\n*.bak\n*.tmp\n',
    'templates/_helpers.tpl': helpers,
    'templates/deployment.yaml': deployment,
    'templates/service.yaml': service,
  };
}

function invalidChart(message: string): DriverError {
  return new DriverError('invalid_chart', message, { retryable: false });
}

/** A relative path with no `..`, no absolute start, no NUL: archive entries are untrusted. */
function safeRelative(path: string): string | null {
  if (path.includes('\0') || path.includes('\\') || path.startsWith('/')) return null;
  const parts = path.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) return null;
  return parts.join('/');
}

/** The chart name from Chart.yaml content, or null when absent/unparseable. */
export function chartNameOf(files: ChartFiles): string | null {
  const raw = files['Chart.yaml'];
  if (raw === undefined) return null;
  try {
    const doc: unknown = parseYaml(raw.toString());
    if (doc && typeof doc === 'object' && 'name' in doc && typeof doc.name === 'string') return doc.name;
  } catch {
    // Unparseable: the validator reports it; packing falls back to the given root.
  }
  return null;
}

/** Writes files under `dir`, creating folders; paths are re-checked so no file lands outside `dir`. */
export async function writeChartFiles(dir: string, files: ChartFiles): Promise<void> {
  for (const [path, content] of Object.entries(files)) {
    const rel = safeRelative(path);
    if (rel === null || rel === '') throw invalidChart(`chart file path "${path}" is not allowed`);
    const target = join(dir, rel);
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, content);
  }
}

/** A `.tgz` whose single top directory is the chart name (as `helm package` makes it). */
export async function packChart(files: ChartFiles, root?: string): Promise<Buffer> {
  const top = root ?? chartNameOf(files) ?? 'chart';
  if (safeRelative(top) !== top || top.includes('/') || top === '')
    throw invalidChart(`bad chart root "${top}"`);
  const tmp = await mkdtemp(join(tmpdir(), 'slipway-pack-'));
  try {
    await writeChartFiles(join(tmp, top), files);
    const chunks: Buffer[] = [];
    for await (const chunk of createTar({ cwd: tmp, gzip: true, portable: true }, [top])) {
      chunks.push(Buffer.from(chunk));
    }
    return Buffer.concat(chunks);
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

/**
 * Reads an uploaded chart archive in memory. Refuses what a chart never needs and an attacker might use:
 * absolute or `..` paths, links, devices, more than one top directory, more than MAX_CHART_BYTES unpacked.
 */
export function readChartArchive(buf: Buffer): ChartArchive {
  let raw: Buffer;
  try {
    raw =
      buf.length >= 2 && buf[0] === 0x1f && buf[1] === 0x8b
        ? gunzipSync(buf, { maxOutputLength: MAX_CHART_BYTES })
        : buf;
  } catch (err) {
    throw new DriverError(
      'invalid_chart',
      `chart archive is not a readable .tgz: ${(err as Error).message}`,
      {
        retryable: false,
        cause: err,
      },
    );
  }
  const files: Record<string, Buffer> = {};
  const roots = new Set<string>();
  let problem: string | null = null;
  const parser = new Parser({
    strict: true,
    onwarn: (_code, message) => {
      problem ??= `chart archive is malformed: ${message}`;
    },
    onReadEntry: (entry) => {
      const rel = safeRelative(entry.path);
      if (rel === null) {
        problem ??= `archive entry "${entry.path}" escapes the chart directory`;
      } else if (entry.type !== 'File' && entry.type !== 'OldFile' && entry.type !== 'Directory') {
        problem ??= `archive entry "${entry.path}" is a ${entry.type}; only files and directories are allowed`;
      } else if (rel !== '') {
        const [top, ...rest] = rel.split('/');
        if (top !== undefined) roots.add(top);
        if (entry.type !== 'Directory' && rest.length > 0) {
          const parts: Buffer[] = [];
          entry.on('data', (d: Buffer) => parts.push(d));
          entry.on('end', () => {
            files[rest.join('/')] = Buffer.concat(parts);
          });
          return;
        }
        if (entry.type !== 'Directory')
          problem ??= `archive file "${entry.path}" is outside a chart directory`;
      }
      entry.resume();
    },
  });
  // With a Buffer written synchronously, the parser emits every entry before end() returns.
  try {
    parser.end(raw);
  } catch (err) {
    // strict mode throws on a corrupt archive instead of warning.
    throw new DriverError('invalid_chart', `chart archive is malformed: ${(err as Error).message}`, {
      retryable: false,
      cause: err,
    });
  }
  if (problem !== null) throw invalidChart(problem);
  if (roots.size !== 1)
    throw invalidChart(`chart archive must hold exactly one top directory, found ${roots.size}`);
  const [root] = roots;
  return { root: root ?? '', files };
}

/** The chart's files: the uploaded archive when there is one, else the scaffold of its record. */
export function chartFiles(chart: ChartSpec): {
  root: string;
  files: ChartFiles;
  source: 'archive' | 'scaffold';
} {
  if (chart.content && chart.content.length > 0) {
    const archive = readChartArchive(chart.content);
    return { root: archive.root, files: archive.files, source: 'archive' };
  }
  return { root: chart.name, files: scaffoldChart(chart), source: 'scaffold' };
}
