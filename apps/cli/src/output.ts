import { stringify } from 'yaml';

// Output: a table on a terminal, JSON when piped (or -o json), YAML with -o yaml. Progress and errors
// go to stderr, so stdout is always just the result.

export type Format = 'table' | 'json' | 'yaml';

export function pickFormat(requested: string | undefined, isTTY: boolean): Format {
  if (requested === 'json' || requested === 'yaml' || requested === 'table') return requested;
  return isTTY ? 'table' : 'json';
}

type Row = Record<string, unknown>;

const cell = (v: unknown): string => {
  if (v === null || v === undefined) return '';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
};

/** Columns shown in tables per resource (everything is in -o json/yaml). */
export const COLUMNS: Record<string, string[]> = {
  images: ['id', 'name', 'tag', 'repository', 'status', 'last_updated'],
  charts: ['id', 'name', 'version', 'app_version', 'status', 'last_updated'],
  clusters: ['id', 'name', 'status', 'cpus', 'memory', 'kubernetes_version', 'kind'],
  // reason: why a status such as `unknown` (cluster stopped) is what it is.
  deployments: ['id', 'name', 'image', 'replicas', 'available_replicas', 'status', 'reason'],
  services: ['id', 'name', 'type', 'port', 'target_port', 'status', 'deployment_id', 'reason'],
  operations: ['id', 'kind', 'status', 'progress', 'resource_id', 'created_at'],
  users: ['id', 'email', 'role', 'tier', 'created_at'],
};

export function table(rows: Row[], columns?: string[]): string {
  const cols = columns ?? [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const widths = cols.map((c) => Math.max(c.length, ...rows.map((r) => Math.min(60, cell(r[c]).length))));
  const line = (vals: string[]) =>
    vals
      .map((v, i) => (v.length > 60 ? `${v.slice(0, 59)}…` : v).padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(cols.map((c) => c.toUpperCase())), ...rows.map((r) => line(cols.map((c) => cell(r[c]))))].join(
    '\n',
  );
}

function keyValues(obj: Row): string {
  const w = Math.max(...Object.keys(obj).map((k) => k.length));
  return Object.entries(obj)
    .map(([k, v]) => `${k.padEnd(w)}  ${cell(v)}`)
    .join('\n');
}

/** Renders a result: a list page (`items`) as rows, an object as key/value lines. */
export function render(value: unknown, format: Format, resource?: string): string {
  if (format === 'json') return JSON.stringify(value, null, 2);
  if (format === 'yaml') return stringify(value).trimEnd();
  if (Array.isArray(value)) return table(value as Row[], resource ? COLUMNS[resource] : undefined);
  if (value && typeof value === 'object') {
    const v = value as Row;
    if (Array.isArray(v.items)) {
      const t = table(v.items as Row[], resource ? COLUMNS[resource] : undefined);
      return `${t}\n(page ${cell(v.page)}, ${cell(v.per_page)} per page, ${cell(v.total)} in all)`;
    }
    return keyValues(v);
  }
  return cell(value);
}

/** ai debug / analyze, for people: the analysis, its evidence, then what to do. */
export function renderDiagnosis(r: Row): string {
  const out: string[] = [];
  const analysis = r.analysis;
  if (typeof analysis === 'string') out.push('Analysis', indent(analysis));
  else if (analysis && typeof analysis === 'object')
    out.push('Analysis', indent(stringify(analysis).trimEnd()));
  const evidence = r.evidence;
  if (Array.isArray(evidence) && evidence.length > 0) {
    out.push('', 'Evidence');
    for (const e of evidence) out.push(indent(`- ${typeof e === 'string' ? e : flat(e)}`));
  } else if (evidence && typeof evidence === 'object') {
    out.push('', 'Evidence', indent(stringify(evidence).trimEnd()));
  }
  const recs = r.recommendations;
  if (Array.isArray(recs) && recs.length > 0) {
    out.push('', 'Recommendations');
    recs.forEach((x, i) => {
      out.push(indent(`${i + 1}. ${typeof x === 'string' ? x : flat(x)}`));
    });
  }
  if (r.error) out.push('', `Error: ${cell(r.error)}`);
  return out.join('\n');
}

const indent = (s: string) =>
  s
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n');

function flat(v: unknown): string {
  if (!v || typeof v !== 'object') return cell(v);
  const o = v as Row;
  const key = ['title', 'summary', 'message', 'action', 'text'].find(
    (k) => o[k] !== undefined && o[k] !== null,
  );
  const rest = Object.entries(o)
    .filter(([k]) => k !== key)
    .map(([k, val]) => `${k}: ${cell(val)}`)
    .join('; ');
  return key ? `${cell(o[key])}${rest ? ` (${rest})` : ''}` : rest;
}
