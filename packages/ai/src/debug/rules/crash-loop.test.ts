import { describe, expect, it } from 'vitest';
import { container, event, pod, workload } from '../../test-snapshots.ts';
import { debugWorkload } from '../debug-workload.ts';
import { findMissingEnv } from './crash-loop.ts';

const crashing = (over: Parameters<typeof container>[0] = {}) =>
  container({
    ready: false,
    state: 'waiting',
    reason: 'CrashLoopBackOff',
    message: 'back-off 5m0s restarting failed container=app',
    restartCount: 7,
    exitCode: 1,
    ...over,
  });

describe('crash-loop-backoff rule', () => {
  it('names missing environment variables found in the logs and cites the log line', () => {
    const snapshot = workload({
      deployment: { phase: 'progressing', desiredReplicas: 2, availableReplicas: 0 },
      pods: [
        pod('api-1', { ready: false, containers: [crashing()] }),
        pod('api-2', { ready: false, containers: [crashing()] }),
      ],
      events: [event('BackOff', 'Back-off restarting failed container app in pod api-1', 'pod/api-1')],
      logs: ['Starting server...', 'Error: Missing required environment variable DATABASE_URL'],
    });
    const report = debugWorkload({ snapshot, name: 'api', issue: 'pod not ready' });
    const top = report.findings[0];
    expect(top?.rule).toBe('crash-loop-backoff');
    expect(top?.message).toBe(
      '2 pods (api-1 and api-2) are in CrashLoopBackOff due to missing environment variables (DATABASE_URL)',
    );
    expect(
      report.analysis.startsWith('2 pods (api-1 and api-2) are in CrashLoopBackOff due to missing'),
    ).toBe(true);
    expect(report.recommendations.slice(0, 2)).toEqual([
      'Add missing environment variables to deployment configuration (DATABASE_URL)',
      'Check application logs for specific error messages',
    ]);
    expect(top?.evidence).toContainEqual({
      kind: 'log',
      source: 'api-1/app',
      detail: 'Error: Missing required environment variable DATABASE_URL',
    });
    expect(top?.evidence).toContainEqual(
      expect.objectContaining({ kind: 'container_state', source: 'api-2/app' }),
    );
    expect(top?.evidence).toContainEqual(expect.objectContaining({ kind: 'event', source: 'pod/api-1' }));
  });

  it('reads missing env from the termination message when there are no logs', () => {
    const snapshot = workload({
      pods: [pod('api-1', { ready: false, containers: [crashing({ message: "KeyError: 'SECRET_KEY'" })] })],
    });
    const top = debugWorkload({ snapshot, name: 'api' }).findings[0];
    expect(top?.message).toBe(
      'Pod api-1 is in CrashLoopBackOff due to missing environment variables (SECRET_KEY)',
    );
  });

  it('blames the memory limit for OOMKilled / exit 137', () => {
    const snapshot = workload({
      pods: [
        pod('api-1', {
          ready: false,
          memoryLimitMiB: 256,
          containers: [
            crashing({ reason: 'OOMKilled', state: 'terminated', exitCode: 137, message: undefined }),
          ],
        }),
      ],
      logs: ['Error: something unrelated failed'],
    });
    const top = debugWorkload({ snapshot, name: 'api' }).findings[0];
    expect(top?.message).toBe(
      'Pod api-1 crashed because the container was OOMKilled (exit code 137): it exceeds its 256Mi memory limit',
    );
    expect(top?.recommendations[0]).toBe('Increase the memory limit of container app (currently 256Mi)');
  });

  it('treats exit 137 as an OOM kill only when the last state says OOMKilled', () => {
    const oom = workload({
      pods: [
        pod('api-1', {
          ready: false,
          containers: [crashing({ exitCode: 137, lastState: { reason: 'OOMKilled', exitCode: 137 } })],
        }),
      ],
    });
    expect(debugWorkload({ snapshot: oom }).findings[0]?.message).toContain('OOMKilled (exit code 137)');
    expect(debugWorkload({ snapshot: oom }).findings[0]?.cause).toBe('oom');
    const killed = workload({
      pods: [pod('api-1', { ready: false, containers: [crashing({ exitCode: 137 })] })],
    });
    const top = debugWorkload({ snapshot: killed }).findings[0];
    expect(top?.message).toContain('SIGKILL (exit code 137, not an OOM kill');
    expect(top?.recommendations.join(' ')).not.toContain('memory limit');
  });

  it('reads a refused connection in the logs as the cause and quotes the line as evidence', () => {
    const snapshot = workload({
      pods: [pod('api-1', { ready: false, containers: [crashing()] })],
      logs: ['listening on :8080', 'panic: could not connect to db: connection refused'],
    });
    const top = debugWorkload({ snapshot }).findings[0];
    expect(top?.message).toBe(
      'Pod api-1 is in CrashLoopBackOff due to a dependency refusing connections (connection refused)',
    );
    expect(top?.cause).toBe('connection-refused');
    expect(top?.evidence).toContainEqual({
      kind: 'log',
      source: 'api-1/app',
      detail: 'panic: could not connect to db: connection refused',
    });
  });

  it('reports a generic application error for exit 1 when the logs name no cause', () => {
    const snapshot = workload({
      pods: [pod('api-1', { ready: false, containers: [crashing()] })],
      logs: ['listening on :8080', 'error: shutting down'],
    });
    const top = debugWorkload({ snapshot }).findings[0];
    expect(top?.message).toBe('Pod api-1 is in CrashLoopBackOff due to an application error (exit code 1)');
    expect(top?.evidence).toContainEqual({
      kind: 'log',
      source: 'api-1/app',
      detail: 'error: shutting down',
    });
    expect(top?.recommendations[0]).toContain('Check application logs');
  });

  it('explains exit 127 as a missing command', () => {
    const snapshot = workload({
      pods: [pod('api-1', { ready: false, containers: [crashing({ exitCode: 127 })] })],
    });
    expect(debugWorkload({ snapshot }).findings[0]?.message).toContain(
      'command not being found in the image',
    );
  });

  it('does not use logs of another container to explain a crash', () => {
    const snapshot = workload({
      pods: [
        pod('api-1', {
          ready: false,
          containers: [container({ name: 'sidecar', ready: false, state: 'waiting' }), crashing()],
        }),
      ],
      logs: ['Missing required environment variable FOO_BAR'],
    });
    expect(debugWorkload({ snapshot }).findings[0]?.message).toContain('application error (exit code 1)');
  });
});

describe('findMissingEnv', () => {
  it('recognizes common phrasings and extracts variable names', () => {
    expect(findMissingEnv(['DATABASE_URL is not set']).vars).toEqual(['DATABASE_URL']);
    expect(findMissingEnv(['environment variable "API_KEY" is required']).vars).toEqual(['API_KEY']);
    expect(findMissingEnv(['Missing environment variables: REDIS_URL, JWT_SECRET']).vars).toEqual([
      'REDIS_URL',
      'JWT_SECRET',
    ]);
    expect(findMissingEnv(['server started', 'GET /health 200']).lines).toEqual([]);
  });

  it('understands pydantic-settings validation errors (FastAPI)', () => {
    const found = findMissingEnv([
      'pydantic_core._pydantic_core.ValidationError: 1 validation error for Settings',
      'database_url',
      '  Field required [type=missing, input_value={}, input_type=dict]',
    ]);
    expect(found.vars).toEqual(['DATABASE_URL']);
  });
});
