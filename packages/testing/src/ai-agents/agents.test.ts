// kubectl-ai and kagent adapters at the wire: the kubectl-ai double is an executable run with the real
// flags, reading the Kubernetes API fixture through the kubeconfig it is given; the kagent double is an
// HTTP server speaking A2A JSON-RPC. Every scenario of the AI suite is asked of both; answers must pass
// the grounding check or fall back to the rules with a note, and `engine` always names who answered.
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAgent, type DebugResult } from '@slipway/ai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contextFor, fixtureSnapshot, SCENARIOS } from '../ai-scenarios/scenarios.ts';
import { type A2AFixture, startA2AFixture } from './a2a-server.ts';

const BIN = join(import.meta.dirname, 'kubectl-ai');
const scenario = (id: string) => {
  const s = SCENARIOS.find((x) => x.id === id);
  if (!s) throw new Error(`no scenario ${id}`);
  return s;
};

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kubectl-ai-double-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function env(extra: Record<string, string> = {}): Record<string, string | undefined> {
  return { ...process.env, SLIPWAY_FIXTURE_NODE: process.execPath, GEMINI_API_KEY: 'test-key', ...extra };
}

async function askKubectlAi(
  id: string,
  extra: Record<string, string> = {},
  cfg: { timeoutMs?: number; signal?: AbortSignal; bin?: string } = {},
): Promise<{ result: DebugResult; record: { argv: string[]; kubeconfigEnv: string | null } | null }> {
  const s = scenario(id);
  const { spec, snapshot, fx } = await fixtureSnapshot(s);
  const record = join(dir, `${id}-${Math.random().toString(36).slice(2)}.json`);
  try {
    const agent = createAgent('kubectl-ai', {
      kubectlAi: {
        bin: cfg.bin ?? BIN,
        kubeconfig: fx.kubeconfigPath,
        context: fx.context,
        provider: 'gemini',
        model: 'gemini-2.5-flash',
        timeoutMs: cfg.timeoutMs ?? 20_000,
        ...(cfg.signal ? { signal: cfg.signal } : {}),
        env: env({ FAKE_KUBECTL_AI_RECORD: record, ...extra }),
      },
    });
    const result = await agent.debug({
      snapshot,
      name: spec.name,
      namespace: spec.namespace,
      issue: s.issue,
      context: contextFor(s, spec),
    });
    let rec = null;
    try {
      rec = JSON.parse(readFileSync(record, 'utf8'));
    } catch {
      // the process never got to record (not installed, aborted before start)
    }
    return { result, record: rec };
  } finally {
    await fx.close();
  }
}

describe('kubectl-ai adapter (executable double)', () => {
  it('runs kubectl-ai --quiet with the kubeconfig, provider and model; the grounded answer is shown with engine kubectl-ai', async () => {
    const { result, record } = await askKubectlAi('crash-missing-env');
    expect(result.engine).toBe('kubectl-ai');
    expect(result.agent).toBe('kubectl-ai');
    expect(result.note).toBeUndefined();
    expect(result.analysis).toMatch(/CrashLoopBackOff/);
    expect(result.analysis).toMatch(/DATABASE_URL/);
    expect(result.cited_evidence?.length).toBeGreaterThan(0);
    // The rules still ran: findings and the root cause are theirs.
    expect(result.root_cause?.rule).toBe('crash-loop-backoff');
    expect(record?.argv.slice(0, 7)).toEqual([
      '--quiet',
      '--kubeconfig',
      expect.stringMatching(/kubeconfig$/),
      '--llm-provider',
      'gemini',
      '--model',
      'gemini-2.5-flash',
    ]);
    expect(record?.argv.at(-1)).toMatch(
      /^Why is the Kubernetes deployment "crash-missing-env" in namespace "default"/,
    );
    expect(record?.argv).not.toContain('--skip-permissions');
    expect(record?.kubeconfigEnv).toBe(record?.argv[2]);
  });

  it('an answer naming a failure the snapshot does not show is not used: rules answer, with a note', async () => {
    const { result } = await askKubectlAi('oom-killed', { FAKE_KUBECTL_AI_MODE: 'hallucinate' });
    expect(result.engine).toBe('rules');
    expect(result.note).toMatch(/^kubectl-ai answered, but its answer was not used: it names DiskPressure/);
    expect(result.analysis).toMatch(/OOMKilled/);
  });

  it('a failing run (exit 1) falls back to the rules with its stderr in the note', async () => {
    const { result } = await askKubectlAi('missing-secret', { FAKE_KUBECTL_AI_MODE: 'fail' });
    expect(result.engine).toBe('rules');
    expect(result.note).toMatch(
      /kubectl-ai did not answer \(kubectl-ai exited with 1: Error: running agent: llm error/,
    );
  });

  it('a missing provider key is reported as kubectl-ai reports it', async () => {
    const { result } = await askKubectlAi('missing-secret', { GEMINI_API_KEY: '' });
    expect(result.engine).toBe('rules');
    expect(result.note).toMatch(/GEMINI_API_KEY environment variable not set/);
  });

  it('not installed: never claims to be kubectl-ai', async () => {
    const { result } = await askKubectlAi('missing-secret', {}, { bin: join(dir, 'no-such-kubectl-ai') });
    expect(result.engine).toBe('rules');
    expect(result.note).toMatch(/^kubectl-ai is not installed or not configured/);
  });

  it('a run past the timeout is killed and the rules answer', async () => {
    const { result } = await askKubectlAi(
      'missing-secret',
      { FAKE_KUBECTL_AI_MODE: 'hang' },
      { timeoutMs: 500 },
    );
    expect(result.engine).toBe('rules');
    expect(result.note).toMatch(/no answer within 500 ms/);
  });

  it('cancellation kills the process', async () => {
    const ac = new AbortController();
    const pending = askKubectlAi('missing-secret', { FAKE_KUBECTL_AI_MODE: 'hang' }, { signal: ac.signal });
    setTimeout(() => ac.abort(), 1500);
    const { result } = await pending;
    expect(result.engine).toBe('rules');
    expect(result.note).toMatch(/cancelled/);
  });

  it('read-only: a command that would modify the cluster is not confirmed', async () => {
    const { result, record } = await askKubectlAi('crash-missing-env', { FAKE_KUBECTL_AI_MODE: 'mutate' });
    expect(record?.argv).not.toContain('--skip-permissions');
    expect(result.analysis).not.toMatch(/Running: kubectl delete/);
  });
});

describe('kagent adapter (A2A server double)', () => {
  let a2a: A2AFixture | null = null;
  afterAll(async () => {
    await a2a?.close();
  });

  async function askKagent(
    id: string,
    opts: {
      mode?: Parameters<A2AFixture['setMode']>[0];
      url?: string;
      agent?: string;
      timeoutMs?: number;
      signal?: AbortSignal;
      asMessage?: boolean;
    } = {},
  ): Promise<{ result: DebugResult; server: A2AFixture }> {
    const s = scenario(id);
    const { spec, snapshot, fx } = await fixtureSnapshot(s);
    await a2a?.close();
    a2a = await startA2AFixture({
      cluster: { server: fx.url },
      mode: opts.mode ?? 'answer',
      asMessage: opts.asMessage ?? false,
    });
    try {
      const agent = createAgent('kagent', {
        kagent: {
          url: opts.url ?? a2a.url,
          namespace: 'kagent',
          agent: opts.agent ?? 'k8s-agent',
          timeoutMs: opts.timeoutMs ?? 20_000,
          ...(opts.signal ? { signal: opts.signal } : {}),
        },
      });
      const result = await agent.debug({
        snapshot,
        name: spec.name,
        namespace: spec.namespace,
        context: contextFor(s, spec),
      });
      return { result, server: a2a };
    } finally {
      await fx.close();
    }
  }

  it('sends message/send to /api/a2a/{namespace}/{agent}/ and shows the grounded answer with engine kagent', async () => {
    const { result, server } = await askKagent('image-tag-missing');
    expect(result.engine).toBe('kagent');
    expect(result.note).toBeUndefined();
    expect(result.analysis).toMatch(/ImagePullBackOff/);
    const req = server.requests[0];
    expect(req?.path).toBe('/api/a2a/kagent/k8s-agent/');
    expect(req?.body).toMatchObject({
      jsonrpc: '2.0',
      method: 'message/send',
      params: { message: { kind: 'message', role: 'user', parts: [{ kind: 'text' }] } },
    });
    const sent = req?.body as { params?: { message?: { messageId?: string } } } | undefined;
    expect(sent?.params?.message?.messageId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('reads an answer given as a Message too', async () => {
    const { result } = await askKagent('missing-secret', { asMessage: true });
    expect(result.engine).toBe('kagent');
    expect(result.analysis).toMatch(/app-env/);
  });

  it.each([
    ['hallucinate', /^kagent answered, but its answer was not used: it names DiskPressure/],
    ['task-failed', /kagent did not answer \(task failed: tool call failed/],
    ['input-required', /asked for more input \(input-required\)/],
    ['rpc-error', /JSON-RPC error -32603/],
    ['http-500', /HTTP 500/],
  ] as const)('%s: the rules answer with a note', async (mode, note) => {
    const { result } = await askKagent('oom-killed', { mode });
    expect(result.engine).toBe('rules');
    expect(result.note).toMatch(note);
  });

  it('an agent that does not exist (404) or a closed port: not configured, never claims to be kagent', async () => {
    const missing = await askKagent('oom-killed', { agent: 'no-such-agent' });
    expect(missing.result.engine).toBe('rules');
    expect(missing.result.note).toMatch(
      /^kagent is not installed or not configured \(no agent at .*HTTP 404/,
    );
    const free = await startA2AFixture();
    const closedUrl = free.url;
    await free.close();
    const closed = await askKagent('oom-killed', { url: closedUrl });
    expect(closed.result.note).toMatch(/^kagent is not installed or not configured .*ECONNREFUSED/);
  });

  it('timeout and cancellation', async () => {
    const slow = await askKagent('oom-killed', { mode: 'hang', timeoutMs: 400 });
    expect(slow.result.note).toMatch(/no answer within 400 ms/);
    const ac = new AbortController();
    const pending = askKagent('oom-killed', { mode: 'hang', signal: ac.signal });
    setTimeout(() => ac.abort(), 1000);
    expect((await pending).result.note).toMatch(/cancelled/);
  });
});

// Concurrent: each case is its own fixture, A2A server and kubectl-ai process, mostly waiting on them.
describe.concurrent('every scenario asked of both agents', () => {
  const tally = { kubectl: 0, kagent: 0, total: 0 };
  afterAll(() => {
    console.log(
      `agents: kubectl-ai double grounded ${tally.kubectl}/${tally.total}, kagent double grounded ${tally.kagent}/${tally.total}`,
    );
  });
  for (const s of SCENARIOS) {
    it(`${s.id}`, async ({ expect }) => {
      const { spec, snapshot, fx } = await fixtureSnapshot(s);
      const a2a = await startA2AFixture({ cluster: { server: fx.url } });
      try {
        const input = {
          snapshot,
          name: spec.name,
          namespace: spec.namespace,
          issue: s.issue,
          context: contextFor(s, spec),
        };
        const k = await createAgent('kubectl-ai', {
          kubectlAi: { bin: BIN, kubeconfig: fx.kubeconfigPath, provider: 'gemini', env: env() },
        }).debug(input);
        const g = await createAgent('kagent', { kagent: { url: a2a.url } }).debug(input);
        tally.total++;
        for (const [r, engine] of [
          [k, 'kubectl-ai'],
          [g, 'kagent'],
        ] as const) {
          // The rules' diagnosis is always there; the agent's wording only when grounded, else a note.
          expect(r.root_cause?.rule).toBe(s.expect.rule);
          if (r.engine === engine) expect(r.note).toBeUndefined();
          else expect(r.engine === 'rules' && typeof r.note === 'string').toBe(true);
        }
        if (k.engine === 'kubectl-ai') tally.kubectl++;
        if (g.engine === 'kagent') tally.kagent++;
      } finally {
        await a2a.close();
        await fx.close();
      }
    });
  }
});
