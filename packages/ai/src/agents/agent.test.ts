import { describe, expect, it } from 'vitest';
import { cluster, workload } from '../test-snapshots.ts';
import { BuiltInAgent, createAgent, isKnownAgent } from './agent.ts';
import { LlmAgent } from './llm-agent.ts';

describe('createAgent', () => {
  it('returns the built-in analyzer labeled with the requested agent', async () => {
    for (const name of ['kubectl-ai', 'kagent', 'my-own-agent']) {
      const agent = createAgent(name);
      expect(agent).toBeInstanceOf(BuiltInAgent);
      expect(agent.name).toBe(name);
      const debug = await agent.debug({ snapshot: workload(), name: 'api' });
      expect(debug).toMatchObject({ engine: 'rules', agent: name });
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
    expect(createAgent('kagent', { llmUrl: null })).toBeInstanceOf(BuiltInAgent);
    expect(createAgent('kagent', { llmUrl: '' })).toBeInstanceOf(BuiltInAgent);
    const agent = createAgent('kagent', { llmUrl: 'http://127.0.0.1:9/v1' });
    expect(agent).toBeInstanceOf(LlmAgent);
    expect(agent.name).toBe('kagent');
  });

  it('passes rule thresholds through', async () => {
    const snapshot = workload();
    const first = snapshot.pods[0];
    if (first?.containers[0]) first.containers[0].restartCount = 2;
    const agent = createAgent('kubectl-ai', { thresholds: { restartCount: 2 } });
    expect((await agent.debug({ snapshot })).findings[0]?.rule).toBe('high-restarts');
  });
});
