import { describe, expect, it } from 'vitest';
import { minikubeArgs } from './args.ts';
import { minikubeFailureLine } from './minikube-provisioner.ts';
import { describeStatusBits, extractStatusJson, parseMinikubeStatus } from './status.ts';

const spec = { name: 'dev', cpus: 4, memory: 8192, diskSize: 30720, kubernetesVersion: 'v1.28.0' };

describe('minikubeArgs', () => {
  it('builds argv arrays, one value per element', () => {
    expect(minikubeArgs.start(spec, 'docker')).toEqual([
      'start',
      '-p',
      'dev',
      '--cpus=4',
      '--memory=8192mb',
      '--disk-size=30720mb',
      '--kubernetes-version=v1.28.0',
      '--driver=docker',
    ]);
    expect(minikubeArgs.stop('dev')).toEqual(['stop', '-p', 'dev']);
    expect(minikubeArgs.delete('dev')).toEqual(['delete', '-p', 'dev']);
    expect(minikubeArgs.status('dev')).toEqual(['status', '-p', 'dev', '-o', 'json']);
    expect(minikubeArgs.imageLoad('dev', 'todo/backend:1.0')).toEqual([
      'image',
      'load',
      'todo/backend:1.0',
      '-p',
      'dev',
    ]);
  });

  it('keeps hostile names as single arguments', () => {
    expect(minikubeArgs.stop('x; rm -rf /')).toEqual(['stop', '-p', 'x; rm -rf /']);
  });
});

describe('parseMinikubeStatus', () => {
  const running =
    '{"Name":"dev","Host":"Running","Kubelet":"Running","APIServer":"Running","Kubeconfig":"Configured","Worker":false}';
  const stopped =
    '{"Name":"dev","Host":"Stopped","Kubelet":"Stopped","APIServer":"Stopped","Kubeconfig":"Stopped","Worker":false}';

  it('running on exit 0', () => {
    expect(parseMinikubeStatus(running, 0, 'dev')).toEqual({ status: 'running', kubeContext: 'dev' });
  });

  it('stopped from the JSON body even though the exit code is 7', () => {
    expect(parseMinikubeStatus(stopped, 7, 'dev')).toMatchObject({ status: 'stopped', kubeContext: 'dev' });
  });

  it('absent on exit 85 with plain text', () => {
    const text =
      '🤷  Profile "dev" not found. Run "minikube profile list" to view all profiles.\n👉  To start a cluster, run: "minikube start -p dev"\n';
    expect(parseMinikubeStatus(text, 85, 'dev')).toEqual({
      status: 'absent',
      kubeContext: 'dev',
      detail: '🤷  Profile "dev" not found. Run "minikube profile list" to view all profiles.',
    });
  });

  it('error with the decoded bits when the host runs but the apiserver does not', () => {
    const degraded =
      '{"Name":"dev","Host":"Running","Kubelet":"Running","APIServer":"Stopped","Kubeconfig":"Configured"}';
    const obs = parseMinikubeStatus(degraded, 2, 'dev');
    expect(obs.status).toBe('error');
    expect(obs.detail).toContain('apiserver Stopped');
    expect(obs.detail).toContain('cluster not running');
  });

  it('Nonexistent host is absent; unparsable output is error', () => {
    expect(
      parseMinikubeStatus(
        '{"Name":"dev","Host":"Nonexistent","Kubelet":"Nonexistent","APIServer":"Nonexistent","Kubeconfig":"Nonexistent"}',
        7,
        'dev',
      ).status,
    ).toBe('absent');
    expect(parseMinikubeStatus('E1126 something broke', 1, 'dev').status).toBe('error');
  });

  it('skips warnings before the JSON and picks the control plane of a multi-node array', () => {
    const multi = `❗  Executing "docker container inspect" took an unusually long time\n[{"Name":"dev","Host":"Running","Kubelet":"Running","APIServer":"Running","Kubeconfig":"Configured","Worker":false},{"Name":"dev-m02","Host":"Stopped","Kubelet":"Stopped","APIServer":"Irrelevant","Kubeconfig":"Irrelevant","Worker":true}]`;
    expect(extractStatusJson(multi)?.Name).toBe('dev');
    expect(parseMinikubeStatus(multi, 0, 'dev').status).toBe('running');
  });

  it('decodes the exit-code bit-field', () => {
    expect(describeStatusBits(7)).toEqual([
      'host not running',
      'cluster not running',
      'kubeconfig not configured',
    ]);
    expect(describeStatusBits(0)).toEqual([]);
  });
});

describe('minikubeFailureLine', () => {
  it('prefers the "Exiting due to" line', () => {
    expect(
      minikubeFailureLine({
        code: 80,
        stdout: '😄  minikube v1.34.0\n',
        stderr: '❌  Exiting due to GUEST_PROVISION: boom\n\n',
      }),
    ).toBe('❌  Exiting due to GUEST_PROVISION: boom');
  });
});
