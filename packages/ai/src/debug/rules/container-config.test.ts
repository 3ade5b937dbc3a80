import { describe, expect, it } from 'vitest';
import { container, event, pod, workload } from '../../test-snapshots.ts';
import { debugWorkload } from '../debug-workload.ts';
import { parseConfigError } from './container-config.ts';

const configError = (message: string) =>
  pod('api-1', {
    phase: 'Pending',
    ready: false,
    containers: [
      container({ ready: false, state: 'waiting', reason: 'CreateContainerConfigError', message }),
    ],
  });

describe('create-container-config rule', () => {
  it('names the missing secret from the container message', () => {
    const snapshot = workload({ pods: [configError('secret "db-credentials" not found')] });
    const top = debugWorkload({ snapshot, name: 'api' }).findings[0];
    expect(top?.rule).toBe('create-container-config');
    expect(top?.message).toBe(
      'Pod api-1 cannot create container app (CreateContainerConfigError): Secret "db-credentials" does not exist',
    );
    expect(top?.recommendations[0]).toContain('kubectl create secret generic db-credentials');
    expect(top?.evidence[0]).toEqual({
      kind: 'container_state',
      source: 'api-1/app',
      detail:
        'waiting (CreateContainerConfigError), 0 restarts, not ready: secret "db-credentials" not found',
    });
  });

  it('names the missing configmap from the Failed event when the container has no message', () => {
    const snapshot = workload({
      pods: [configError('')],
      events: [event('Failed', 'Error: configmap "app-config" not found', 'pod/api-1')],
    });
    const top = debugWorkload({ snapshot, name: 'api' }).findings[0];
    expect(top?.message).toContain('ConfigMap "app-config" does not exist');
    expect(top?.evidence).toContainEqual(expect.objectContaining({ kind: 'event', source: 'pod/api-1' }));
  });

  it('parses missing keys', () => {
    expect(parseConfigError("couldn't find key PASSWORD in Secret default/db")).toEqual({
      kind: 'key',
      key: 'PASSWORD',
      objectKind: 'Secret',
      name: 'db',
    });
    expect(parseConfigError('something odd')).toEqual({ kind: 'unknown' });
  });
});
