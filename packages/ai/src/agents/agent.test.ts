import { describe, expect, it } from 'vitest';
import { cluster, workload } from '../test-snapshots.ts';
import { BuiltInAgent, createAgent, isKnownAgent } from './agent.ts';
import { KagentAgent } from './kagent.ts';
import { inheritedEnv, KubectlAiAgent } from './kubectl-ai.ts';
import { LlmAgent } from './llm-agent.ts';

describe('createAgent', () => {
  it('without kubectl-ai or kagent configured, the rules answer and a note says the agent did not run', async () => {
    for (const name of ['kubectl-ai', 'kagent', 'my-own-agent']) {
      const agent = createAgent(name);
      if (name === 'my-own-agent') expect(agent).toBeInstanceOf(BuiltInAgent);
      expect(agent.name).toBe(name);
      const debug = await agent.debug({ snapshot: workload(), name: 'api' });
      expect(debug).toMatchObject({ engine: 'rules', agent: name });
      if (name === 'kubectl-ai')
        expect(debug.note).toMatch(/^kubectl-ai is not installed \(set KUBECTL_AI_BIN\)/);
      if (name === 'kagent') expect(debug.note).toMatch(/^kagent is not configured \(set KAGENT_URL\)/);
      if (name === 'my-own-agent') expect(debug.note).toBeUndefined();
      expect(debug.analysis).toContain('No problems found in api: 2/2 replicas available');
      const analysis = await agent.analyze({
        snapshot: cluster([{ name: 'api', snapshot: workload() }]),
        analysisType: 'resource-optimization',
      });
      expect(analysis).toMatchObject({
        engine: 'rules',
        agent: name,
        resource_utilization: { cpu: '5%', memory: '3%' },
      });
    }
  });

  it('labels an empty name built-in and knows the contract agents', () => {
    expect(createAgent('  ').name).toBe('built-in');
    expect(isKnownAgent('kubectl-ai')).toBe(true);
    expect(isKnownAgent('kagent')).toBe(true);
    expect(isKnownAgent('gpt')).toBe(false);
  });

  it('wraps the rules in an LlmAgent only when an LLM url is configured', () => {
    expect(createAgent('my-agent', { llmUrl: null })).toBeInstanceOf(BuiltInAgent);
    expect(createAgent('my-agent', { llmUrl: '' })).toBeInstanceOf(BuiltInAgent);
    const agent = createAgent('my-agent', { llmUrl: 'http://127.0.0.1:9/v1' });
    expect(agent).toBeInstanceOf(LlmAgent);
    expect(agent.name).toBe('my-agent');
  });

  it('runs kubectl-ai / kagent adapters when they are configured', () => {
    expect(createAgent('kubectl-ai', { kubectlAi: { bin: '/usr/local/bin/kubectl-ai' } })).toBeInstanceOf(
      KubectlAiAgent,
    );
    expect(createAgent('kagent', { kagent: { url: 'http://127.0.0.1:8083' } })).toBeInstanceOf(KagentAgent);
  });

  it('passes rule thresholds through', async () => {
    const snapshot = workload();
    const first = snapshot.pods[0];
    if (first?.containers[0]) first.containers[0].restartCount = 2;
    const agent = createAgent('kubectl-ai', { thresholds: { restartCount: 2 } });
    expect((await agent.debug({ snapshot })).findings[0]?.rule).toBe('high-restarts');
  });
});

describe('inheritedEnv', () => {
  it('passes the basics and LLM provider keys to kubectl-ai, never the worker secrets', () => {
    expect(
      inheritedEnv({
        PATH: '/usr/bin',
        HOME: '/home/w',
        GEMINI_API_KEY: 'g',
        OPENAI_API_KEY: 'o',
        HTTPS_PROXY: 'http://proxy:3128',
        DATABASE_URL: 'postgres://u:p@db/x',
        REDIS_URL: 'redis://:p@r:6379',
        AI_LLM_API_KEY: 'slipway-llm',
        KAGENT_API_KEY: 'k',
      }),
    ).toEqual({
      PATH: '/usr/bin',
      HOME: '/home/w',
      GEMINI_API_KEY: 'g',
      OPENAI_API_KEY: 'o',
      HTTPS_PROXY: 'http://proxy:3128',
    });
  });
});
