import { describe, expect, expectTypeOf, it } from 'vitest';
import { type JobInput, jobCatalog, jobInputs, jobNames, parseJobInput } from './catalog.ts';

describe('job input schemas', () => {
  it('every job name has an input schema, and the catalog carries it', () => {
    expect(Object.keys(jobInputs).sort()).toEqual([...jobNames].sort());
    for (const n of jobNames) expect(jobCatalog[n].input).toBe(jobInputs[n]);
  });

  it('applies defaults, so processors read typed values', () => {
    expect(parseJobInput('ai.debug', {})).toEqual({ ok: true, input: { aiAgent: 'kubectl-ai', issue: '' } });
    expect(parseJobInput('ai.analyze', { aiAgent: 'kagent' })).toEqual({
      ok: true,
      input: { aiAgent: 'kagent', analysisType: 'general' },
    });
    const r = parseJobInput('deployment.scale', { generation: 3 });
    expect(r).toEqual({ ok: true, input: { generation: 3 } });
    if (r.ok) expectTypeOf(r.input).toEqualTypeOf<JobInput<'deployment.scale'>>();
    expectTypeOf<JobInput<'image.retag'>['fromTag']>().toEqualTypeOf<string | undefined>();
  });

  it('old payloads still parse: missing input, unknown keys dropped, fields added later optional', () => {
    expect(parseJobInput('image.build', null)).toEqual({ ok: true, input: {} });
    expect(parseJobInput('deployment.apply', { generation: 1, legacy: 'x' })).toEqual({
      ok: true,
      input: { generation: 1 },
    });
    expect(parseJobInput('ai.deploy', { aiAgent: 'kubectl-ai' })).toEqual({
      ok: true,
      input: { aiAgent: 'kubectl-ai' },
    });
    expect(parseJobInput('image.delete', { ref: 'docker.io/a/b:1' })).toMatchObject({ ok: true });
  });

  it('rejects what no verb writes, naming the field', () => {
    expect(parseJobInput('deployment.apply', { generation: 'two' })).toEqual({
      ok: false,
      issue: expect.stringMatching(/^generation: /),
    });
    expect(parseJobInput('ai.deploy', { helmChartId: 'not-a-uuid' })).toMatchObject({
      ok: false,
      issue: expect.stringMatching(/^helmChartId: /),
    });
    expect(parseJobInput('chart.validate', { reason: 'whim' })).toMatchObject({ ok: false });
  });
});
