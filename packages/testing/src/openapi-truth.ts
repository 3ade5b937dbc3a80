import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';

// The document tells the truth: every request a test sends through the helpers and every answer it
// gets is held against docs/openapi.json (the committed copy, which CI checks is current).
//   - the route (method + path template) is documented, or the answer is the contract's 404/400;
//   - the status is one the route documents;
//   - the JSON body validates against the documented schema, with objects closed: a field the
//     document does not name fails (schemas that say `additionalProperties` stay open);
//   - every documented `required: true` header is present;
//   - a request the API accepted (2xx) was one the document describes: its JSON body validates
//     against the request schema and its query names only documented parameters.

type Json = Record<string, unknown>;
type Doc = { paths: Record<string, Record<string, Json>>; components: Record<string, Record<string, Json>> };

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const OPENAPI_FILE = join(repoRoot, 'docs', 'openapi.json');

const NOT_API = [/^\/admin\/queues(\/|$)/, /^\/docs(\/|$)/, /^\/(v1\/)?openapi\.json$/];

/** Query parameters every route accepts (API versioning) without documenting them per route. */
const GLOBAL_QUERY = new Set(['version']);

export type Exchange = {
  method: string;
  /** Path with query, as sent (e.g. `/v1/api/deployments?page=2`). */
  url: string;
  requestBody?: unknown;
  requestContentType?: string | undefined;
  status: number;
  headers: Headers;
  /** The response body text. */
  body: string;
};

/** Deep copy of `schema` with every object that names its properties closed. */
function closeObjects(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(closeObjects);
  if (node === null || typeof node !== 'object') return node;
  const out: Json = {};
  for (const [k, v] of Object.entries(node)) out[k] = closeObjects(v);
  if (out.properties && typeof out.properties === 'object' && out.additionalProperties === undefined) {
    out.additionalProperties = false;
  }
  return out;
}

type Template = { template: string; re: RegExp };

export type ContractChecker = {
  /** What is wrong with this exchange (empty when it matches the document). */
  problems(x: Exchange): string[];
  /** The documented operationId an exchange hit, if any. */
  operationOf(method: string, url: string): string | undefined;
};

const addFormats = addFormatsModule as unknown as (ajv: InstanceType<typeof Ajv2020>) => void;

export function createContractChecker(
  doc: Doc = JSON.parse(readFileSync(OPENAPI_FILE, 'utf8')),
): ContractChecker {
  const ajvFor = (d: unknown) => {
    const ajv = new Ajv2020({ strict: false, allErrors: false, validateFormats: true });
    addFormats(ajv);
    ajv.addSchema({ ...(d as Json), $id: 'doc' });
    return ajv;
  };
  const closed = ajvFor(closeObjects(doc));
  const open = ajvFor(doc);
  const validators = new Map<string, ReturnType<typeof closed.compile>>();
  const validate = (ajv: typeof closed, pointer: string, data: unknown): string | null => {
    const key = `${ajv === closed ? 'c' : 'o'}:${pointer}`;
    let v = validators.get(key);
    if (!v) {
      v = ajv.compile({ $ref: `doc#${pointer}` });
      validators.set(key, v);
    }
    if (v(data)) return null;
    return (v.errors ?? [])
      .slice(0, 3)
      .map(
        (e) => `${e.instancePath || '(root)'} ${e.message}${e.params ? ` ${JSON.stringify(e.params)}` : ''}`,
      )
      .join('; ');
  };
  const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const templates: Template[] = Object.keys(doc.paths).map((template) => ({
    template,
    re: new RegExp(
      `^${template
        .split(/\{[^}]+\}/)
        .map(esc)
        .join('[^/]+')}$`,
    ),
  }));
  const resolve = (obj: Json): Json => {
    const ref = obj.$ref;
    if (typeof ref !== 'string') return obj;
    const [, kind, name] = /^#\/components\/([^/]+)\/(.+)$/.exec(ref) ?? [];
    return (kind && name && doc.components[kind]?.[name]) || obj;
  };
  const find = (method: string, url: string) => {
    const path = new URL(url, 'http://x').pathname.replace(/^\/v1(?=\/|$)/i, '') || '/';
    const m = method.toLowerCase();
    // Literal segments win over templates (/api/users/me before /api/users/{id}).
    const hits = templates.filter((t) => t.re.test(path) && doc.paths[t.template]?.[m]);
    hits.sort((a, b) => (a.template.match(/\{/g)?.length ?? 0) - (b.template.match(/\{/g)?.length ?? 0));
    const hit = hits[0];
    return hit ? { template: hit.template, method: m, op: doc.paths[hit.template]?.[m] as Json } : null;
  };

  return {
    operationOf(method, url) {
      return find(method, url)?.op.operationId as string | undefined;
    },
    problems(x) {
      const out: string[] = [];
      const where = `${x.method} ${x.url} -> ${x.status}`;
      const type = x.headers.get('Content-Type') ?? '';
      let json: unknown;
      if (type.includes('json') && x.body !== '') {
        try {
          json = JSON.parse(x.body);
        } catch {
          out.push(`${where}: body is not JSON`);
          return out;
        }
      }
      const path = new URL(x.url, 'http://x').pathname;
      // Not the JSON API: the queue board (bull-board's own UI and JSON under /admin/queues), the
      // API reference and its document, and the web console's pages and assets.
      if (NOT_API.some((re) => re.test(path))) return out;
      const page = !type.startsWith('application/json') && !type.startsWith('text/plain');
      if (x.method === 'GET' && page && !/^\/(v1\/)?api(\/|$)/i.test(path)) return out;
      const hit = find(x.method, x.url);
      if (!hit) {
        // Not a documented route: only the contract's errors may answer it (the middleware in front
        // of every /api route answers some of them before any route is matched).
        if (![400, 401, 403, 404, 413, 429, 503].includes(x.status))
          out.push(`${where}: undocumented route answered`);
        const err = validate(closed, '/components/schemas/Error', json);
        if (err) out.push(`${where}: error body: ${err}`);
        return out;
      }
      const pointer = `/paths/${hit.template.replace(/~/g, '~0').replace(/\//g, '~1')}/${hit.method}`;
      const responses = (hit.op.responses ?? {}) as Record<string, Json>;
      const declared = responses[String(x.status)];
      if (!declared) {
        out.push(`${where}: status ${x.status} is not documented for ${hit.op.operationId as string}`);
        return out;
      }
      const res = resolve(declared);
      const resPointer =
        declared.$ref !== undefined ? (declared.$ref as string).slice(1) : `${pointer}/responses/${x.status}`;
      const content = (res.content ?? {}) as Record<string, Json>;
      if (content['application/json']) {
        if (!type.startsWith('application/json')) out.push(`${where}: Content-Type ${type}, documented JSON`);
        const err = validate(closed, `${resPointer}/content/application~1json/schema`, json);
        if (err) out.push(`${where}: body: ${err}`);
      } else {
        const types = Object.keys(content);
        if (types.length > 0 && !types.some((t) => type.startsWith(t))) {
          out.push(`${where}: Content-Type ${type}, documented ${types.join(', ')}`);
        }
      }
      for (const [name, h] of Object.entries((res.headers ?? {}) as Record<string, Json>)) {
        const header = resolve(h);
        if (header.required === true && !x.headers.has(name)) out.push(`${where}: header ${name} missing`);
      }
      if (x.status >= 200 && x.status < 300) {
        const params = ((hit.op.parameters ?? []) as Json[]).map(resolve);
        const known = new Set(params.filter((p) => p.in === 'query').map((p) => p.name as string));
        for (const key of new URL(x.url, 'http://x').searchParams.keys()) {
          if (!known.has(key) && !GLOBAL_QUERY.has(key))
            out.push(`${where}: query parameter ${key} is not documented`);
        }
        const body = hit.op.requestBody as Json | undefined;
        const reqContent = (body ? resolve(body).content : undefined) as Record<string, Json> | undefined;
        if (reqContent?.['application/json'] && x.requestBody !== undefined) {
          const err = validate(
            open,
            `${pointer}/requestBody/content/application~1json/schema`,
            x.requestBody,
          );
          if (err) out.push(`${where}: accepted a request the document rejects: ${err}`);
        }
      }
      return out;
    },
  };
}

let shared: ContractChecker | undefined;

/** Throws when the exchange does not match docs/openapi.json (one checker per process). */
export function assertMatchesContract(x: Exchange): void {
  shared ??= createContractChecker();
  const problems = shared.problems(x);
  if (problems.length > 0)
    throw new Error(`response does not match docs/openapi.json:\n  ${problems.join('\n  ')}`);
}
