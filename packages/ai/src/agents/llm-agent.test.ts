// The LLM cannot run here, so a local node:http server speaks the chat-completions wire format instead.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { cluster, container, pod, workload } from '../test-snapshots.ts';
import { createAgent } from './agent.ts';
import { chatCompletionsUrl, parseLlmAnswer } from './llm-agent.ts';

type Seen = {
  method?: string;
  url?: string;
  auth?: string;
  body: { model: string; messages: { role: string; content: string }[] };
};
type Handler = (req: IncomingMessage, res: ServerResponse, seen: Seen) => void;

let server: Server | null = null;

async function llmServer(handler: Handler): Promise<{ url: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  server = createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk: Buffer) => {
      raw += chunk.toString();
    });
    req.on('end', () => {
      const s: Seen = {
        method: req.method,
        url: req.url,
        auth: req.headers.authorization,
        body: JSON.parse(raw),
      };
      seen.push(s);
      handler(req, res, s);
    });
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/v1`, seen };
}

afterEach(async () => {
  // A hung request (timeout test) would otherwise keep close() waiting.
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = null;
});

function completion(res: ServerResponse, content: string): void {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(
    JSON.stringify({
      id: 'chatcmpl-1',
      object: 'chat.completion',
      choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
    }),
  );
}

const crashing = () =>
  workload({
    deployment: { phase: 'progressing', desiredReplicas: 1, availableReplicas: 0 },
    pods: [
      pod('api-1', {
        ready: false,
        containers: [
          container({
            ready: false,
            state: 'waiting',
            reason: 'CrashLoopBackOff',
            exitCode: 1,
            restartCount: 5,
          }),
        ],
      }),
    ],
    logs: ['Error: Missing required environment variable DATABASE_URL'],
  });

describe('LlmAgent.debug', () => {
  it('posts snapshot, findings and numbered evidence; uses the answer with engine llm', async () => {
    const llm = await llmServer((_req, res) =>
      completion(
        res,
        '```json\n{"analysis":"The api container exits because DATABASE_URL is unset.","recommendations":["Set DATABASE_URL from a Secret"],"evidence":[1]}\n```',
      ),
    );
    const agent = createAgent('kubectl-ai', {
      llmUrl: llm.url,
      model: 'test-model',
      apiKey: 'k-123',
      llmTimeoutMs: 5000,
    });
    const result = await agent.debug({ snapshot: crashing(), name: 'api', issue: 'pod not ready' });

    expect(result.engine).toBe('llm');
    expect(result.agent).toBe('kubectl-ai');
    expect(result.analysis).toBe('The api container exits because DATABASE_URL is unset.');
    expect(result.recommendations).toEqual(['Set DATABASE_URL from a Secret']);
    expect(result.llmError).toBeUndefined();
    // Findings and evidence remain the rules' own.
    expect(result.findings[0]?.rule).toBe('crash-loop-backoff');
    expect(result.evidence).toContainEqual(expect.objectContaining({ kind: 'log', source: 'api-1/app' }));

    const req = llm.seen[0];
    expect(req?.method).toBe('POST');
    expect(req?.url).toBe('/v1/chat/completions');
    expect(req?.auth).toBe('Bearer k-123');
    expect(req?.body.model).toBe('test-model');
    expect(req?.body.messages.map((m) => m.role)).toEqual(['system', 'user']);
    const sent = JSON.parse(req?.body.messages[1]?.content ?? '{}');
    expect(sent.issue).toBe('pod not ready');
    expect(sent.snapshot.logs).toEqual(['Error: Missing required environment variable DATABASE_URL']);
    expect(sent.findings[0].rule).toBe('crash-loop-backoff');
    expect(sent.evidence[0]).toMatchObject({ index: 0, kind: 'container_state', source: 'api-1/app' });
  });

  it('rejects an answer that contradicts the rules (DiskPressure for a missing variable) even when it cites evidence', async () => {
    const llm = await llmServer((_req, res) =>
      completion(
        res,
        '{"analysis":"Pod api-1 keeps restarting because the node is under DiskPressure.","recommendations":["Free disk"],"evidence":[0]}',
      ),
    );
    const result = await createAgent('my-agent', { llmUrl: llm.url }).debug({
      snapshot: crashing(),
      name: 'api',
    });
    expect(result.engine).toBe('rules');
    expect(result.llmError).toMatch(
      /not grounded: it names DiskPressure, which nothing in the cluster snapshot shows/,
    );
    expect(result.note).toMatch(/^the LLM's answer was not used/);
    expect(result.analysis).toMatch(/DATABASE_URL/);
  });

  it('rejects an answer that leaves out the root cause the rules found', async () => {
    const llm = await llmServer((_req, res) =>
      completion(
        res,
        '{"analysis":"Pod api-1 is in CrashLoopBackOff; the database server is probably down.","recommendations":[],"evidence":[0]}',
      ),
    );
    const result = await createAgent('my-agent', { llmUrl: llm.url }).debug({
      snapshot: crashing(),
      name: 'api',
    });
    expect(result.engine).toBe('rules');
    expect(result.llmError).toMatch(/does not mention the root cause/);
  });

  it('falls back to the rules on HTTP 500 and says why', async () => {
    const llm = await llmServer((_req, res) => {
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end('{"error":{"message":"model overloaded"}}');
    });
    const result = await createAgent('kagent', { llmUrl: llm.url }).debug({
      snapshot: crashing(),
      name: 'api',
    });
    expect(result.engine).toBe('rules');
    expect(result.analysis).toMatch(
      /^Pod api-1 is in CrashLoopBackOff due to missing environment variables \(DATABASE_URL\)/,
    );
    expect(result.llmError).toBe('LLM endpoint answered HTTP 500: {"error":{"message":"model overloaded"}}');
  });

  it('falls back on timeout', async () => {
    const llm = await llmServer(() => {
      // Never answer: the agent's timeout must end the wait.
    });
    const result = await createAgent('kagent', { llmUrl: llm.url, llmTimeoutMs: 50 }).debug({
      snapshot: crashing(),
      name: 'api',
    });
    expect(result.engine).toBe('rules');
    expect(result.llmError).toBe('LLM request timed out after 50ms');
    expect(result.findings[0]?.rule).toBe('crash-loop-backoff');
  });

  it('falls back when the model answers prose or cites no evidence', async () => {
    let content = 'I think the pod is broken.';
    const llm = await llmServer((_req, res) => completion(res, content));
    const agent = createAgent('kagent', { llmUrl: llm.url });
    const prose = await agent.debug({ snapshot: crashing(), name: 'api' });
    expect(prose).toMatchObject({ engine: 'rules', llmError: 'LLM answer contains no JSON object' });
    content = '{"analysis":"Something unrelated happened","recommendations":[],"evidence":[99]}';
    const ungrounded = await agent.debug({ snapshot: crashing(), name: 'api' });
    expect(ungrounded).toMatchObject({ engine: 'rules', llmError: 'LLM answer cites no valid evidence' });
  });

  it('falls back when nothing listens', async () => {
    const llm = await llmServer(() => {});
    const url = llm.url;
    await new Promise<void>((resolve) => server?.close(() => resolve()));
    server = null;
    const result = await createAgent('kagent', { llmUrl: url, llmTimeoutMs: 2000 }).debug({
      snapshot: crashing(),
    });
    expect(result.engine).toBe('rules');
    expect(result.llmError).toBeTruthy();
  });
});

describe('LlmAgent.analyze', () => {
  it('keeps computed utilization and lets the model phrase summary and recommendations', async () => {
    const llm = await llmServer((_req, res) =>
      completion(
        res,
        JSON.stringify({
          analysis: 'CPU is 90% used; memory is fine.',
          recommendations: ['Raise the CPU limit of backend'],
          evidence: [0, 1],
          resource_utilization: { cpu: '12%', memory: '99%' },
        }),
      ),
    );
    const snapshot = cluster([{ name: 'backend', snapshot: workload() }]);
    const result = await createAgent('kagent', { llmUrl: `${llm.url}/chat/completions` }).analyze({
      snapshot,
      analysisType: 'resource-optimization',
    });
    expect(result.engine).toBe('llm');
    expect(result.summary).toBe('CPU is 90% used; memory is fine.');
    expect(result.recommendations).toEqual(['Raise the CPU limit of backend']);
    expect(result.resource_utilization).toEqual({ cpu: '5%', memory: '3%' });
    expect(llm.seen[0]?.url).toBe('/v1/chat/completions');
  });
});

describe('helpers', () => {
  it('builds the chat-completions url from a base or full url', () => {
    expect(chatCompletionsUrl('http://h/v1/')).toBe('http://h/v1/chat/completions');
    expect(chatCompletionsUrl('http://h/v1/chat/completions')).toBe('http://h/v1/chat/completions');
  });

  it('filters invalid recommendations and evidence indices', () => {
    expect(
      parseLlmAnswer('{"analysis":" x ","recommendations":["a", 3, ""],"evidence":[0, -1, 1.5, 7]}', 2),
    ).toEqual({
      analysis: 'x',
      recommendations: ['a'],
      evidence: [0],
    });
    expect(() => parseLlmAnswer('{"recommendations":[]}', 0)).toThrow('LLM answer has no analysis');
  });
});
