// The load generator: Debian's wrk (C, its own event loop, not the bottleneck) when it is on PATH,
// otherwise autocannon from npm (`npm i -D autocannon`); never fetch() in a loop. Closed loop: each of
// `connections` keep-alive sockets sends its next request when the previous answer has arrived.
// Requests go round-robin over `targets` (one token + path each), so the load spreads over many users.
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export type Target = { token: string | null; path: string };
export type LoadSpec = {
  url: string;
  method: 'GET' | 'POST';
  targets: Target[];
  /** POST only: the JSON body; `{n}` is replaced by a per-request counter (unique names). */
  body?: string;
  /** POST only: send a unique Idempotency-Key per request. */
  idempotencyKey?: boolean;
  /** Distinguishes the names of one run from another's (unique-name constraints). */
  tag: string;
  connections: number;
  threads: number;
  durationS: number;
};
export type LoadResult = {
  tool: 'wrk' | 'autocannon';
  requests: number;
  reqPerSec: number;
  p50: number;
  p99: number;
  /** Non-2xx/3xx answers plus socket errors: must be 0 for a valid figure. */
  errors: number;
};

let wrkPath: string | null | undefined;
export function loadTool(): 'wrk' | 'autocannon' {
  if (wrkPath === undefined) {
    try {
      wrkPath = execFileSync('sh', ['-c', 'command -v wrk'], { encoding: 'utf8' }).trim() || null;
    } catch {
      wrkPath = null;
    }
  }
  return wrkPath ? 'wrk' : 'autocannon';
}

const lua = (s: string) => JSON.stringify(s); // JSON string literals are valid Lua for ASCII input.

function wrkScript(spec: LoadSpec): string {
  const tokens = spec.targets.map((t) => lua(t.token ?? '')).join(',');
  const paths = spec.targets.map((t) => lua(t.path)).join(',');
  return `
local tokens = {${tokens}}
local paths = {${paths}}
local n = #tokens
local i = 0
local k = 0
local method = ${lua(spec.method)}
local body = ${lua(spec.body ?? '')}
local tag = ${lua(spec.tag)}
request = function()
  i = i % n + 1
  local h = {}
  if tokens[i] ~= "" then h["Authorization"] = "Bearer " .. tokens[i] end
  if method == "GET" then return wrk.format("GET", paths[i], h) end
  k = k + 1
  h["Content-Type"] = "application/json"
  ${spec.idempotencyKey ? 'h["Idempotency-Key"] = tag .. "-" .. k' : ''}
  local b = string.gsub(body, "{n}", tag .. "-" .. k)
  return wrk.format(method, paths[i], h, b)
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("WRKJSON {\\"requests\\":%d,\\"duration_us\\":%d,\\"p50_us\\":%d,\\"p99_us\\":%d,\\"errors\\":%d}\\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.connect + e.read + e.write + e.status + e.timeout))
end
`;
}

function runWrk(spec: LoadSpec): Promise<LoadResult> {
  const dir = mkdtempSync(join(tmpdir(), 'slipway-bench-wrk-'));
  const script = join(dir, 'load.lua');
  writeFileSync(script, wrkScript(spec));
  const args = [
    `-t${spec.threads}`,
    `-c${spec.connections}`,
    `-d${spec.durationS}s`,
    '--timeout',
    '10s',
    '-s',
    script,
    spec.url,
  ];
  return new Promise((ok, fail) => {
    execFile(
      wrkPath ?? 'wrk',
      args,
      { encoding: 'utf8', timeout: (spec.durationS + 30) * 1000 },
      (err, stdout) => {
        rmSync(dir, { recursive: true, force: true });
        if (err) return fail(new Error(`wrk: ${err.message}`));
        // With several threads done() runs once, over every thread's numbers.
        const line = stdout.split('\n').find((l) => l.startsWith('WRKJSON '));
        if (!line) return fail(new Error(`wrk printed no summary:\n${stdout}`));
        const j = JSON.parse(line.slice(8)) as Record<string, number>;
        const requests = j.requests ?? 0;
        ok({
          tool: 'wrk',
          requests,
          reqPerSec: requests / ((j.duration_us ?? 1) / 1e6),
          p50: (j.p50_us ?? 0) / 1000,
          p99: (j.p99_us ?? 0) / 1000,
          errors: j.errors ?? 0,
        });
      },
    );
  });
}

type Autocannon = (o: Record<string, unknown>) => Promise<{
  requests: { total: number; average: number };
  latency: { p50: number; p99: number };
  non2xx: number;
  errors: number;
  timeouts: number;
  duration: number;
}>;

async function runAutocannon(spec: LoadSpec): Promise<LoadResult> {
  let autocannon: Autocannon;
  try {
    autocannon = (
      (await import(/* not a dependency unless wrk is missing */ 'autocannon' as string)) as {
        default: Autocannon;
      }
    ).default;
  } catch {
    throw new Error(
      'no load generator: install wrk (apt-get install wrk) or autocannon (npm i -D autocannon)',
    );
  }
  let i = 0;
  let k = 0;
  const u = new URL(spec.url);
  const r = await autocannon({
    url: u.origin,
    connections: spec.connections,
    workers: spec.threads > 1 ? spec.threads : undefined,
    duration: spec.durationS,
    requests: [
      {
        setupRequest: (req: Record<string, unknown>) => {
          const t = spec.targets[i++ % spec.targets.length] as Target;
          const headers: Record<string, string> = {};
          if (t.token) headers.authorization = `Bearer ${t.token}`;
          const out: Record<string, unknown> = { ...req, method: spec.method, path: t.path, headers };
          if (spec.method === 'POST') {
            k++;
            headers['content-type'] = 'application/json';
            if (spec.idempotencyKey) headers['idempotency-key'] = `${spec.tag}-${k}`;
            out.body = (spec.body ?? '').replaceAll('{n}', `${spec.tag}-${k}`);
          }
          return out;
        },
      },
    ],
  });
  return {
    tool: 'autocannon',
    requests: r.requests.total,
    reqPerSec: r.requests.total / r.duration,
    p50: r.latency.p50,
    p99: r.latency.p99,
    errors: r.non2xx + r.errors + r.timeouts,
  };
}

export function runLoad(spec: LoadSpec): Promise<LoadResult> {
  return loadTool() === 'wrk' ? runWrk(spec) : runAutocannon(spec);
}
