import { createChart, getOperation } from '@slipway/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type WorkerHarness } from './test-harness.ts';

// An operation's input is parsed again by the catalog's schema when a worker picks it up: a payload an
// earlier release wrote (extra keys, fields added later missing) still runs; one that does not parse
// fails at once, without spending retries, instead of reaching a processor as a guess.
describe('worker: typed operation input, parsed on dequeue', () => {
  let h: WorkerHarness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h.close());

  async function validateWith(input: unknown) {
    const { chart, operation } = await createChart(h.deps, h.owner, {
      name: `typed-${Math.random().toString(36).slice(2, 8)}`,
      version: '1.0.0',
    });
    expect((await h.settle(operation)).status).toBe('succeeded');
    // What updateChart does, with an input written by hand instead of through the verb.
    await h.t.sql`update helm_charts set status = 'validating' where id = ${chart.id}`;
    const [op] = await h.t.sql<{ id: string }[]>`
      insert into operations (owner_id, kind, resource_type, resource_id, input)
      values (${h.owner.id}, 'chart.validate', 'helm_chart', ${chart.id}, ${JSON.stringify(input)}::jsonb)
      returning id`;
    if (!op) throw new Error('insert returned nothing');
    await h.producer.enqueue('chart.validate', op.id);
    return h.settle(op);
  }

  it('an old payload (unknown keys, no reason) still parses and runs', async () => {
    const op = await validateWith({ legacy: true });
    expect(op.status).toBe('succeeded');
  });

  it('an input no verb writes fails permanently on the first attempt, naming the field', async () => {
    const op = await validateWith({ reason: 'whim' });
    expect(op.status).toBe('failed');
    expect(op.attempts).toBe(1);
    expect(op.error).toMatch(/^operation input does not match chart\.validate: reason: /);
    const full = await getOperation(h.deps, h.owner, op.id);
    expect(full.events.at(-1)?.status).toBe('failed');
  });
});
