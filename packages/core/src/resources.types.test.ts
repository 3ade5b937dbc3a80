// Type-level tests, checked by `npm run typecheck` (each @ts-expect-error must be an error, or tsc
// fails on the unused directive); the vitest part only checks the values behind the types.
import { describe, expect, expectTypeOf, it } from 'vitest';
import type { Settlement } from './operations/lease.ts';
import {
  failureStatusOf,
  machineOf,
  type ResourceChange,
  type ResourceSet,
  type StatusOf,
} from './resources.ts';
import { chartMachine } from './status/chart.ts';
import { imageMachine } from './status/image.ts';

describe('settlements are typed per resource from the drizzle columns', () => {
  it('accepts the resource own columns and statuses', () => {
    const built: Settlement<'container_image'> = {
      resourceStatus: 'built',
      resourceSet: { size: 1, digest: null, imageId: 'sha256:x', error: null },
      message: 'built',
    };
    const rollout: ResourceChange<'deployment'> = { status: 'running', set: { availableReplicas: 2 } };
    const started: ResourceSet<'minikube_cluster'> = { kubeContext: 'ctx', error: null };
    expect([built, rollout, started]).toHaveLength(3);
    expectTypeOf<StatusOf<'helm_chart'>>().toEqualTypeOf<'validating' | 'valid' | 'invalid'>();
    expectTypeOf<StatusOf<'ai'>>().toBeNever();
  });

  it('rejects misspelled columns, another resource columns and foreign statuses', () => {
    const typos: Settlement<'deployment'>[] = [
      // @ts-expect-error the column is availableReplicas (drizzle's name), not the SQL name
      { resourceSet: { available_replicas: 2 }, message: '' },
      // @ts-expect-error replica is not a column
      { resourceSet: { replica: 2 }, message: '' },
      // @ts-expect-error kubeContext is a cluster column
      { resourceSet: { kubeContext: 'x' }, message: '' },
      // @ts-expect-error 'built' is an image status
      { resourceStatus: 'built', message: '' },
      // @ts-expect-error generation is bumped by verbs only
      { resourceSet: { generation: 3 }, message: '' },
      // @ts-expect-error a column of the wrong type
      { resourceSet: { availableReplicas: '2' }, message: '' },
    ];
    // @ts-expect-error an ai operation owns no resource to settle
    const ai: Settlement<'ai'> = { resourceStatus: 'running', message: '' };
    expect([...typos, ai]).toHaveLength(7);
  });

  it('status machines are typed per resource, not Machine<string>', () => {
    expect(machineOf('container_image')).toBe(imageMachine);
    expect(machineOf('helm_chart')).toBe(chartMachine);
    expectTypeOf(machineOf('helm_chart').valid).toEqualTypeOf<
      readonly ('validating' | 'valid' | 'invalid')[]
    >();
    expect(failureStatusOf('helm_chart')).toBe('invalid');
    expect(failureStatusOf('minikube_cluster')).toBe('error');
    expect(failureStatusOf('ai')).toBeNull();
  });
});
