// The same scenarios against a real cluster: K8S_INTEGRATION_TESTS=1 KUBECONFIG=... [K8S_CONTEXT=...].
// Each run works in its own namespaces and deletes them afterwards.
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe } from 'vitest';
import { KubernetesWorkloads } from './kubernetes-workloads.ts';
import { uniqueNamespace, workloadScenarios } from './workloads-scenarios.ts';

const enabled = process.env.K8S_INTEGRATION_TESTS === '1' && Boolean(process.env.KUBECONFIG);

describe.runIf(enabled)(
  'KubernetesWorkloads against a real cluster',
  () => {
    const created: string[] = [];
    let workloads: KubernetesWorkloads;
    let context = '';
    const kubeconfigPath = process.env.KUBECONFIG ?? '';

    beforeAll(() => {
      const kc = new KubeConfig();
      kc.loadFromFile(kubeconfigPath);
      context = process.env.K8S_CONTEXT ?? kc.getCurrentContext();
      workloads = new KubernetesWorkloads({ kubeconfigPath, pollIntervalMs: 500 });
    });
    afterAll(async () => {
      const kc = new KubeConfig();
      kc.loadFromFile(kubeconfigPath);
      kc.setCurrentContext(context);
      const core = kc.makeApiClient(CoreV1Api);
      for (const name of created) await core.deleteNamespace({ name }).catch(() => undefined);
    });

    workloadScenarios(
      () => ({
        workloads,
        target: { clusterId: 'real', name: 'real', context },
        goodImage: 'nginx:1.27-alpine',
        timeoutMs: 180_000,
      }),
      () => {
        const ns = uniqueNamespace();
        created.push(ns);
        return ns;
      },
    );
  },
  600_000,
);
