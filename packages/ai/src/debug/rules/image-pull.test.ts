import { describe, expect, it } from 'vitest';
import { container, event, pod, workload } from '../../test-snapshots.ts';
import { debugWorkload } from '../debug-workload.ts';
import { classifyPullFailure } from './image-pull.ts';

const pulling = (reason: string, message?: string) =>
  pod('web-1', {
    phase: 'Pending',
    ready: false,
    cpuMillicores: null,
    memoryMiB: null,
    containers: [container({ ready: false, state: 'waiting', reason, message })],
  });

describe('image-pull rule', () => {
  it('says the tag does not exist when the registry reports manifest unknown', () => {
    const snapshot = workload({
      deployment: { phase: 'progressing', desiredReplicas: 1, availableReplicas: 0 },
      pods: [pulling('ImagePullBackOff', 'Back-off pulling image "ghcr.io/acme/web:v9"')],
      events: [
        event(
          'Failed',
          'Failed to pull image "ghcr.io/acme/web:v9": rpc error: code = NotFound desc = failed to resolve reference "ghcr.io/acme/web:v9": ghcr.io/acme/web:v9: not found',
          'pod/web-1',
        ),
      ],
    });
    const report = debugWorkload({ snapshot, name: 'web', issue: 'image' });
    const top = report.findings[0];
    expect(top?.rule).toBe('image-pull');
    expect(top?.message).toBe(
      'Pod web-1 cannot pull image "ghcr.io/acme/web:v9" (ImagePullBackOff): tag "v9" of acme/web does not exist in registry ghcr.io',
    );
    expect(top?.evidence).toContainEqual(expect.objectContaining({ kind: 'event', source: 'pod/web-1' }));
    expect(top?.evidence).toContainEqual(
      expect.objectContaining({ kind: 'container_state', source: 'web-1/app' }),
    );
  });

  it('points at Docker Hub and minikube image load for a locally built image without registry', () => {
    const snapshot = workload({
      pods: [pulling('ErrImagePull')],
      events: [
        event(
          'Failed',
          'Failed to pull image "todo-backend:latest": Error response from daemon: pull access denied for todo-backend, repository does not exist or may require \'docker login\'',
          'pod/web-1',
        ),
      ],
    });
    const top = debugWorkload({ snapshot, name: 'web' }).findings[0];
    expect(top?.message).toContain('repository library/todo-backend does not exist in registry docker.io');
    expect(top?.recommendations.join('\n')).toContain('minikube image load todo-backend:latest');
    expect(top?.recommendations[0]).toContain('names no registry');
  });

  it('classifies kubelet messages', () => {
    expect(classifyPullFailure('InvalidImageName', '')).toBe('invalid-name');
    expect(classifyPullFailure('ErrImagePull', 'dial tcp: lookup reg.local: no such host')).toBe(
      'unreachable',
    );
    expect(classifyPullFailure('ErrImagePull', 'manifest unknown')).toBe('tag-not-found');
    expect(classifyPullFailure('ErrImagePull', '401 unauthorized')).toBe('access-denied');
    expect(classifyPullFailure('ErrImageNeverPull', '')).toBe('never-pull');
    expect(classifyPullFailure('ErrImagePull', 'something else')).toBe('unknown');
  });
});
