// "No input ever produces a 500": random bodies, ids and query strings against every write route
// and the list/get routes, with a real database and Redis. A seeded generator keeps runs reproducible.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApi, type TestApi } from './test-helpers.ts';

function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const weird = [
  null,
  true,
  0,
  -1,
  1e308,
  -1e308,
  2 ** 53 + 1,
  1.5,
  '',
  ' ',
  'a'.repeat(5000),
  "'; drop table users; --",
  '<script>alert(1)</script>',
  '\u0000',
  '𝔘𝔫𝔦𝔠𝔬𝔡𝔢',
  '../../etc/passwd',
  '00000000-0000-0000-0000-000000000000',
  'not-a-uuid',
  [],
  [1, 'x', null],
  {},
  { $gt: '' },
  { nested: { deeper: [{}] } },
];

const fields = [
  'name',
  'tag',
  'repository',
  'description',
  'version',
  'app_version',
  'cpus',
  'memory',
  'disk_size',
  'kubernetes_version',
  'kind',
  'kube_context',
  'replicas',
  'image',
  'container_port',
  'helm_chart_id',
  'minikube_cluster_id',
  'namespace',
  'type',
  'port',
  'target_port',
  'protocol',
  'deployment_id',
  'source',
  'dockerfile',
  'build_args',
  'push',
  'load_into_cluster_id',
  'ai_agent',
  'target_replicas',
  'issue',
  'analysis_type',
  'email',
  'password',
  'role',
  'tier',
  'refresh_token',
  '__proto__',
  'constructor',
];

function randomBody(r: () => number): unknown {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;
  const roll = r();
  if (roll < 0.1) return pick(weird);
  if (roll < 0.15) return '{"name":'; // malformed JSON
  const body: Record<string, unknown> = {};
  const n = 1 + Math.floor(r() * 8);
  for (let i = 0; i < n; i++) body[pick(fields)] = pick(weird);
  return body;
}

describe('no input produces a 500', () => {
  let api: TestApi;
  let ids: Record<string, string> = {};
  beforeAll(async () => {
    api = await createTestApi({ rateLimits: { standard: 100_000, premium: 100_000, admin: 100_000 } });
    const c = await api.runningCluster(api.alice);
    const d = await api.call<{ id: string }>('POST', '/api/deployments', {
      token: api.alice.token,
      body: { name: 'fuzz', replicas: 1, image: 'a/b:1', container_port: 80, minikube_cluster_id: c.id },
    });
    ids = { cluster: c.id, deployment: d.body.id };
  });
  afterAll(() => api.close());

  it('answers every random request with a non-5xx status in the contract error shape', async () => {
    const r = rng(20261126);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;
    const idLike = () =>
      pick([ids.cluster, ids.deployment, 'x', '1', '00000000-0000-0000-0000-000000000000', '%00', '..']);
    const routes: [string, () => string][] = [
      ['POST', () => '/api/container-images'],
      ['PUT', () => `/api/container-images/${idLike()}`],
      ['POST', () => '/api/helm-charts'],
      ['PUT', () => `/api/helm-charts/${idLike()}`],
      ['PUT', () => `/api/helm-charts/${idLike()}/content`],
      ['POST', () => '/api/minikube-clusters'],
      ['POST', () => `/api/minikube-clusters/${idLike()}/${pick(['start', 'stop', 'restart'])}`],
      ['POST', () => '/api/deployments'],
      ['PUT', () => `/api/deployments/${idLike()}`],
      ['POST', () => `/api/deployments/${idLike()}/scale`],
      ['POST', () => '/api/services'],
      ['PUT', () => `/api/services/${idLike()}`],
      ['POST', () => '/api/ai/deploy'],
      ['POST', () => '/api/ai/scale'],
      ['POST', () => '/api/ai/debug'],
      ['POST', () => '/api/ai/analyze'],
      ['POST', () => '/api/users'],
      ['POST', () => '/api/auth/login'],
      ['POST', () => '/api/auth/refresh'],
      ['POST', () => `/api/operations/${idLike()}/cancel`],
      [
        'DELETE',
        () =>
          `/api/${pick(['container-images', 'helm-charts', 'minikube-clusters', 'deployments', 'services'])}/${idLike()}`,
      ],
      [
        'GET',
        () =>
          `/api/${pick(['container-images', 'helm-charts', 'minikube-clusters', 'deployments', 'services', 'operations'])}?page=${pick(['0', '-1', 'x', '1e9', '2'])}&per_page=${pick(['0', '101', 'abc', '5'])}&status=${pick(['running', "'", ''])}&name=${pick(['%27', 'x'])}`,
      ],
      ['GET', () => `/api/operations?resource_id=${idLike()}`],
    ];
    const seen = new Map<number, number>();
    for (let i = 0; i < 1500; i++) {
      const [method, path] = pick(routes);
      const token = pick([api.alice.token, api.admin.token, api.viewer.token]);
      const body = method === 'GET' || method === 'DELETE' ? undefined : randomBody(r);
      const res = await api.request(method, path(), {
        token,
        body: typeof body === 'string' ? body : body === undefined ? undefined : JSON.stringify(body),
        headers: { 'Content-Type': 'application/json' },
      });
      seen.set(res.status, (seen.get(res.status) ?? 0) + 1);
      const text = await res.text();
      if (res.status >= 500)
        throw new Error(`${method} ${path()} -> ${res.status}: ${text} (body ${JSON.stringify(body)})`);
      if (res.status >= 400) {
        const parsed = JSON.parse(text) as { error?: unknown; message?: unknown };
        expect(typeof parsed.error).toBe('string');
        expect(typeof parsed.message).toBe('string');
      }
    }
    // The generator really reached the error paths and some successes.
    expect([...seen.keys()].some((s) => s === 422 || s === 400)).toBe(true);
    expect([...seen.keys()].some((s) => s === 404)).toBe(true);
    console.log(`fuzz: status counts ${JSON.stringify(Object.fromEntries(seen))}`);
  }, 120_000);
});
