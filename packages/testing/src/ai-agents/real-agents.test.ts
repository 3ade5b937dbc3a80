// The same scenarios against the real tools, when they are there (neither can run on the CI machine):
//
//   SLIPWAY_REAL_KUBECTL_AI=1  KUBECTL_AI_BIN (default kubectl-ai on PATH), KUBECTL_AI_PROVIDER/_MODEL and
//     the provider's API key (GEMINI_API_KEY, OPENAI_API_KEY, ...), kubectl on PATH. Every scenario of the
//     AI suite is played out on the Kubernetes API fixture and the real kubectl-ai investigates it there
//     with real kubectl and a real LLM.
//   SLIPWAY_REAL_KAGENT=1  KAGENT_URL (the kagent controller, e.g. a port-forward to :8083), KAGENT_NAMESPACE
//     / KAGENT_AGENT (default kagent/k8s-agent), KUBECONFIG + KUBE_CONTEXT (default minikube) for the cluster
//     kagent watches. kagent only sees
//     its own cluster, so the scenarios a plain Deployment reproduces there (an image tag that does not
//     exist, a private repository) are applied to it in namespace slipway-ai-real, then removed.
//
// Either way an answer is shown only when grounded; the rules' root cause must be right; a real run must
// have happened (no "not installed" note), and the grounded count is printed.
import { createAgent, debugWorkload } from '@slipway/ai';
import { type DeploymentSpec, KubernetesWorkloads } from '@slipway/drivers';
import { afterAll, describe, expect, it } from 'vitest';
import { contextFor, fixtureSnapshot, SCENARIOS } from '../ai-scenarios/scenarios.ts';

const REAL_KUBECTL_AI = process.env.SLIPWAY_REAL_KUBECTL_AI === '1';
const REAL_KAGENT = process.env.SLIPWAY_REAL_KAGENT === '1';

describe.skipIf(!REAL_KUBECTL_AI)('real kubectl-ai over every scenario (SLIPWAY_REAL_KUBECTL_AI=1)', () => {
  let grounded = 0;
  let asked = 0;
  afterAll(() => console.log(`kubectl-ai (real): grounded ${grounded}/${asked}`));
  for (const s of SCENARIOS) {
    it(s.id, { timeout: 360_000 }, async () => {
      const { spec, snapshot, fx } = await fixtureSnapshot(s);
      try {
        const result = await createAgent('kubectl-ai', {
          kubectlAi: {
            bin: process.env.KUBECTL_AI_BIN ?? 'kubectl-ai',
            kubeconfig: fx.kubeconfigPath,
            ...(process.env.KUBECTL_AI_PROVIDER ? { provider: process.env.KUBECTL_AI_PROVIDER } : {}),
            ...(process.env.KUBECTL_AI_MODEL ? { model: process.env.KUBECTL_AI_MODEL } : {}),
            timeoutMs: 300_000,
          },
        }).debug({
          snapshot,
          name: spec.name,
          namespace: spec.namespace,
          issue: s.issue,
          context: contextFor(s, spec),
        });
        asked++;
        expect(result.root_cause?.rule).toBe(s.expect.rule);
        expect(result.note ?? '').not.toMatch(/not installed/);
        if (result.engine === 'kubectl-ai') grounded++;
        else expect(result.note).toMatch(/^kubectl-ai (answered, but|did not answer)/);
      } finally {
        await fx.close();
      }
    });
  }
});

describe.skipIf(!REAL_KAGENT)(
  'real kagent over the scenarios a plain Deployment reproduces (SLIPWAY_REAL_KAGENT=1)',
  () => {
    const context = process.env.KUBE_CONTEXT ?? 'minikube';
    const target = { clusterId: 'real', name: context, context };
    const workloads = REAL_KAGENT ? new KubernetesWorkloads({ pollIntervalMs: 1000 }) : null;
    const ctx = {
      operationId: 'real-kagent',
      attempt: 1,
      signal: new AbortController().signal,
      log: () => {},
    };
    const cases: { id: string; image: string }[] = [
      { id: 'image-tag-missing', image: 'registry.k8s.io/pause:slipway-no-such-tag' },
      { id: 'image-pull-auth', image: 'docker.io/slipway-nonexistent-org/private-api:1.0' },
    ];
    let grounded = 0;
    afterAll(() => console.log(`kagent (real): grounded ${grounded}/${cases.length}`));
    for (const c of cases) {
      it(c.id, { timeout: 360_000 }, async () => {
        const expected = SCENARIOS.find((s) => s.id === c.id)?.expect;
        const spec: DeploymentSpec = {
          id: `00000000-0000-4000-8000-${Date.now().toString(16).padStart(12, '0').slice(-12)}`,
          name: `slipway-ai-${c.id}`,
          namespace: 'slipway-ai-real',
          replicas: 1,
          image: c.image,
          containerPort: 8080,
        };
        if (!workloads) return;
        await workloads.applyDeployment(target, spec, ctx);
        try {
          await workloads.waitDeployment(target, spec, ctx, 180_000);
          const snapshot = await workloads.inspect(target, spec);
          expect(debugWorkload({ snapshot, name: spec.name }).root_cause?.rule).toBe(expected?.rule);
          const result = await createAgent('kagent', {
            kagent: {
              url: process.env.KAGENT_URL ?? 'http://127.0.0.1:8083',
              namespace: process.env.KAGENT_NAMESPACE ?? 'kagent',
              agent: process.env.KAGENT_AGENT ?? 'k8s-agent',
              timeoutMs: 300_000,
            },
          }).debug({ snapshot, name: spec.name, namespace: spec.namespace });
          expect(result.note ?? '').not.toMatch(/not installed/);
          if (result.engine === 'kagent') grounded++;
          else expect(result.note).toMatch(/^kagent (answered, but|did not answer)/);
        } finally {
          await workloads.deleteDeployment(target, spec, ctx);
        }
      });
    }
  },
);
