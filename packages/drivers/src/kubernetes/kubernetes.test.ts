import { ApiException, type V1Deployment, type V1Pod } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { DriverError } from '../types.ts';
import { toDriverError } from './errors.ts';
import { buildDeploymentManifest, buildServiceManifest } from './manifests.ts';
import {
  deploymentObservation,
  firstUnhealthyContainer,
  parseCpuMillicores,
  parseMemoryMiB,
  podSnapshot,
  serviceObservation,
} from './observe.ts';

const dspec = {
  id: 'd-1',
  name: 'todo-backend',
  namespace: 'apps',
  replicas: 2,
  image: 'todo/backend:latest',
  containerPort: 8000,
};

describe('buildDeploymentManifest', () => {
  it('labels, selects on the deployment id and pins the pull policy', () => {
    const m = buildDeploymentManifest(dspec);
    expect(m.metadata).toEqual({
      name: 'todo-backend',
      namespace: 'apps',
      labels: {
        'app.kubernetes.io/name': 'todo-backend',
        'app.kubernetes.io/managed-by': 'slipway',
        'slipway.dev/deployment-id': 'd-1',
      },
    });
    expect(m.spec.selector.matchLabels).toEqual({ 'slipway.dev/deployment-id': 'd-1' });
    expect(m.spec.template.metadata.labels['slipway.dev/deployment-id']).toBe('d-1');
    expect(m.spec.template.spec.containers).toEqual([
      {
        name: 'app',
        image: 'todo/backend:latest',
        imagePullPolicy: 'IfNotPresent',
        ports: [{ name: 'http', containerPort: 8000, protocol: 'TCP' }],
      },
    ]);
    expect(m.spec.replicas).toBe(2);
  });

  it('rejects invalid names, ports and replicas as non-retryable invalid_spec', () => {
    for (const bad of [
      { name: 'Bad_Name' },
      { containerPort: 0 },
      { replicas: -1 },
      { namespace: 'x'.repeat(64) },
      // what the API's image-reference validation rejects with a 422
      { image: '' },
      { image: 'Todo/Backend:latest' },
      { image: 'docker.io/todo/:1' },
      { image: 'todo//backend' },
    ]) {
      const err = (() => {
        try {
          buildDeploymentManifest({ ...dspec, ...bad });
        } catch (e) {
          return e;
        }
      })();
      expect(err).toBeInstanceOf(DriverError);
      expect(err).toMatchObject({ code: 'invalid_spec', retryable: false });
    }
  });
});

describe('buildServiceManifest', () => {
  it('selects the deployment pods by id with ports, protocol and type', () => {
    const m = buildServiceManifest({
      id: 's-1',
      name: 'todo-svc',
      namespace: 'apps',
      type: 'NodePort',
      port: 80,
      targetPort: 8000,
      protocol: 'tcp',
      deploymentId: 'd-1',
      deploymentName: 'todo-backend',
    });
    expect(m.spec).toEqual({
      type: 'NodePort',
      selector: { 'slipway.dev/deployment-id': 'd-1' },
      ports: [{ name: 'tcp', port: 80, targetPort: 8000, protocol: 'TCP' }],
    });
    expect(m.metadata.labels).toMatchObject({
      'slipway.dev/service-id': 's-1',
      'app.kubernetes.io/managed-by': 'slipway',
    });
  });

  it('rejects unknown protocols', () => {
    expect(() =>
      buildServiceManifest({
        id: 's',
        name: 's',
        namespace: 'n',
        type: 'ClusterIP',
        port: 80,
        targetPort: 80,
        protocol: 'HTTP',
        deploymentId: 'd',
        deploymentName: 'd',
      }),
    ).toThrow(/protocol/);
  });
});

const deployment = (
  over: { generation?: number; status?: V1Deployment['status']; replicas?: number } = {},
): V1Deployment => ({
  metadata: { name: 'web', generation: over.generation ?? 2 },
  spec: { replicas: over.replicas ?? 2, selector: {}, template: {} },
  status: over.status ?? {},
});

const pod = (name: string, waiting?: string, ready = false): V1Pod => ({
  metadata: { name },
  spec: { containers: [{ name: 'app', resources: { requests: { cpu: '100m', memory: '128Mi' } } }] },
  status: {
    phase: waiting ? 'Pending' : 'Running',
    conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }],
    containerStatuses: [
      {
        name: 'app',
        image: 'x',
        imageID: '',
        ready,
        restartCount: waiting === 'CrashLoopBackOff' ? 3 : 0,
        state: waiting ? { waiting: { reason: waiting, message: 'back-off' } } : { running: {} },
        ...(waiting === 'CrashLoopBackOff'
          ? { lastState: { terminated: { exitCode: 1, containerID: '' } } }
          : {}),
      },
    ],
  },
});

describe('deploymentObservation', () => {
  it('absent without a deployment', () => {
    expect(deploymentObservation(null, [])).toMatchObject({ phase: 'absent', availableReplicas: 0 });
  });

  it('running only when observedGeneration caught up and updated = desired = available', () => {
    const ok = { observedGeneration: 2, replicas: 2, updatedReplicas: 2, availableReplicas: 2 };
    expect(deploymentObservation(deployment({ status: ok }), [])).toEqual({
      phase: 'running',
      desiredReplicas: 2,
      availableReplicas: 2,
    });
    expect(deploymentObservation(deployment({ status: { ...ok, observedGeneration: 1 } }), []).phase).toBe(
      'progressing',
    );
    expect(deploymentObservation(deployment({ status: { ...ok, updatedReplicas: 1 } }), []).phase).toBe(
      'progressing',
    );
    expect(deploymentObservation(deployment({ status: { ...ok, availableReplicas: 1 } }), [])).toMatchObject({
      phase: 'progressing',
      availableReplicas: 1,
    });
    // Zero counts are omitted by the API server.
    expect(
      deploymentObservation(deployment({ replicas: 0, status: { observedGeneration: 2 } }), []).phase,
    ).toBe('running');
  });

  it('failed on ProgressDeadlineExceeded', () => {
    const d = deployment({
      status: {
        observedGeneration: 2,
        conditions: [
          { type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded', message: 'timed out' },
        ],
      },
    });
    expect(deploymentObservation(d, [])).toMatchObject({
      phase: 'failed',
      reason: 'ProgressDeadlineExceeded: timed out',
    });
  });

  it('failed on a stuck pod, with the reason; ErrImagePull alone is still progressing', () => {
    const d = deployment({
      status: { observedGeneration: 2, replicas: 2, updatedReplicas: 2, availableReplicas: 1 },
    });
    for (const reason of ['CrashLoopBackOff', 'ImagePullBackOff', 'CreateContainerConfigError']) {
      const obs = deploymentObservation(d, [pod('a', undefined, true), pod('b', reason)]);
      expect(obs.phase).toBe('failed');
      expect(obs.reason).toBe(`${reason}: pod b container app: back-off`);
      expect(obs.availableReplicas).toBe(1);
    }
    expect(deploymentObservation(d, [pod('b', 'ErrImagePull')]).phase).toBe('progressing');
  });
});

describe('serviceObservation', () => {
  it('ClusterIP/NodePort: active with ready endpoints, pending otherwise', () => {
    const svc = { spec: { type: 'ClusterIP', clusterIP: '10.96.0.10' } };
    expect(serviceObservation(svc, { subsets: [{ addresses: [{ ip: '10.244.0.5' }] }] })).toEqual({
      phase: 'active',
      clusterIp: '10.96.0.10',
    });
    expect(
      serviceObservation(svc, { subsets: [{ notReadyAddresses: [{ ip: '10.244.0.5' }] }] }),
    ).toMatchObject({
      phase: 'pending',
      reason: 'no ready endpoints (1 not ready)',
    });
    expect(serviceObservation(svc, null).phase).toBe('pending');
    expect(serviceObservation(null, null).phase).toBe('absent');
  });

  it('LoadBalancer: active with an ingress', () => {
    const lb = { spec: { type: 'LoadBalancer', clusterIP: '10.96.0.11' } };
    expect(serviceObservation(lb, null)).toMatchObject({
      phase: 'pending',
      reason: expect.stringContaining('minikube tunnel'),
    });
    expect(
      serviceObservation(
        { ...lb, status: { loadBalancer: { ingress: [{ hostname: 'lb.example' }] } } },
        null,
      ),
    ).toMatchObject({
      phase: 'active',
      ingress: ['lb.example'],
    });
  });
});

describe('quantities and pods', () => {
  it('parses CPU and memory quantities', () => {
    expect(parseCpuMillicores('250m')).toBe(250);
    expect(parseCpuMillicores('2')).toBe(2000);
    expect(parseCpuMillicores('0.5')).toBe(500);
    expect(parseCpuMillicores('1500000n')).toBe(1.5);
    expect(parseCpuMillicores('lots')).toBeNull();
    expect(parseMemoryMiB('64Mi')).toBe(64);
    expect(parseMemoryMiB('4015360Ki')).toBe(3921.25);
    expect(parseMemoryMiB('1Gi')).toBe(1024);
    expect(parseMemoryMiB('134217728')).toBe(128);
    expect(parseMemoryMiB(undefined)).toBeNull();
  });

  it('podSnapshot: containers, requests, and null usage without metrics', () => {
    const s = podSnapshot(pod('b', 'CrashLoopBackOff'), null);
    expect(s).toMatchObject({
      name: 'b',
      ready: false,
      cpuMillicores: null,
      memoryMiB: null,
      cpuRequestMillicores: 100,
      memoryRequestMiB: 128,
      cpuLimitMillicores: null,
    });
    expect(s.containers[0]).toEqual({
      name: 'app',
      ready: false,
      restartCount: 3,
      state: 'waiting',
      reason: 'CrashLoopBackOff',
      message: 'back-off',
      exitCode: 1,
      image: 'x',
      lastState: { exitCode: 1 },
    });
    expect(s.conditions).toEqual([{ type: 'Ready', status: 'False' }]);
    expect(firstUnhealthyContainer([pod('a', undefined, true), pod('b', 'CrashLoopBackOff')])).toEqual({
      pod: 'b',
      container: 'app',
      previous: true,
    });
  });
});

describe('toDriverError', () => {
  const api = (code: number, reason: string) =>
    new ApiException(code, 'x', JSON.stringify({ kind: 'Status', reason, message: `m ${code}`, code }), {});
  it('maps status codes and network failures', () => {
    expect(toDriverError(api(404, 'NotFound'), 'read')).toMatchObject({
      code: 'not_found',
      retryable: false,
      message: 'read: m 404',
    });
    expect(toDriverError(api(409, 'Conflict'), 'a')).toMatchObject({ code: 'conflict', retryable: true });
    expect(toDriverError(api(409, 'AlreadyExists'), 'a')).toMatchObject({
      code: 'conflict',
      retryable: false,
    });
    expect(toDriverError(api(422, 'Invalid'), 'a')).toMatchObject({ code: 'invalid', retryable: false });
    expect(toDriverError(api(503, 'ServiceUnavailable'), 'a')).toMatchObject({
      code: 'api_unavailable',
      retryable: true,
    });
    expect(toDriverError(api(429, 'TooManyRequests'), 'a')).toMatchObject({
      code: 'rate_limited',
      retryable: true,
    });
    const refused = new TypeError('fetch failed', {
      cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
    });
    expect(toDriverError(refused, 'a')).toMatchObject({ code: 'unreachable', retryable: true });
    const timeout = Object.assign(new Error('timed out'), { name: 'TimeoutError' });
    expect(toDriverError(timeout, 'a')).toMatchObject({ code: 'timeout', retryable: true });
    const ac = new AbortController();
    ac.abort();
    expect(toDriverError(ac.signal.reason, 'a', ac.signal)).toMatchObject({
      code: 'aborted',
      retryable: true,
    });
  });
});
