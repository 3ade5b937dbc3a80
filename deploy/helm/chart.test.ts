// The Slipway chart through the real helm binary: lint --strict and template over several value sets,
// then checks on the rendered objects themselves.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { chartDir, helmBin, type K8sObject, render, valueSets } from './render.ts';

const byKind = (objs: K8sObject[], kind: string) => objs.filter((o) => o.kind === kind);
const deployment = (objs: K8sObject[], component: string) => {
  const d = objs.find((o) => o.kind === 'Deployment' && o.metadata.name.endsWith(`-${component}`));
  if (!d) throw new Error(`no ${component} Deployment`);
  return d;
};

const SECRET_KEYS = [
  'DATABASE_URL',
  'REDIS_URL',
  'JWT_SECRET',
  'ADMIN_EMAIL',
  'ADMIN_PASSWORD',
  'AI_LLM_API_KEY',
];

describe('helm chart deploy/helm/slipway', () => {
  it.each(Object.entries(valueSets))('helm lint --strict passes with the %s values', (_name, args) => {
    const r = spawnSync(helmBin(), ['lint', '--strict', chartDir, ...args], { encoding: 'utf8' });
    expect(r.stdout + r.stderr).toContain('0 chart(s) failed');
    expect(r.status).toBe(0);
  });

  it('refuses to render without existingSecret, naming what to do', () => {
    const r = spawnSync(helmBin(), ['template', 'rel', chartDir], { encoding: 'utf8' });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('existingSecret is required');
  });

  it('values.schema.json rejects unknown keys and bad values (no place to put a password)', () => {
    for (const bad of [
      ['--set', 'existingSecret=s', '--set', 'jwtSecret=abcdefghijklmnopqrstuvwxyz0123456789'],
      ['--set', 'existingSecret=s', '--set', 'worker.concurrency=0'],
      ['--set', 'existingSecret=s', '--set', 'config.driver=nope'],
      ['--set', 'existingSecret=s', '--set', 'api.env.lower=1'],
    ]) {
      const r = spawnSync(helmBin(), ['template', 'rel', chartDir, ...bad], { encoding: 'utf8' });
      expect(r.status, bad.join(' ')).not.toBe(0);
      expect(r.stderr).toMatch(/schema|values don't meet/i);
    }
  });

  it('renders the expected kinds for each value set', () => {
    const kinds = (args: string[]) => [...new Set(render(args).map((o) => o.kind))].sort();
    expect(kinds(valueSets.defaults ?? [])).toEqual(
      [
        'ConfigMap',
        'Deployment',
        'Job',
        'PodDisruptionBudget',
        'Role',
        'RoleBinding',
        'Service',
        'ServiceAccount',
      ].sort(),
    );
    expect(kinds(valueSets.full ?? [])).toEqual(
      [
        'ClusterRole',
        'ClusterRoleBinding',
        'ConfigMap',
        'Deployment',
        'HorizontalPodAutoscaler',
        'Ingress',
        'Job',
        'NetworkPolicy',
        'PodDisruptionBudget',
        'Service',
        'ServiceAccount',
      ].sort(),
    );
    expect(kinds(valueSets.minimal ?? [])).toEqual(['ConfigMap', 'Deployment', 'Service']);
  });

  it('API: 2 replicas, /healthz liveness, /readyz readiness, resources, non-root, read-only root', () => {
    for (const args of Object.values(valueSets)) {
      const objs = render(args);
      const api = deployment(objs, 'api');
      if (args === valueSets.full) expect(api.spec.replicas).toBe(3);
      else expect(api.spec.replicas).toBe(2);
      const pod = api.spec.template.spec;
      expect(pod.automountServiceAccountToken).toBe(false);
      expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000 });
      const [c] = pod.containers;
      expect(c.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'http' });
      expect(c.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'http' });
      expect(c.resources.requests).toMatchObject({ cpu: expect.any(String), memory: expect.any(String) });
      expect(c.resources.limits).toMatchObject({ memory: expect.any(String) });
      expect(c.securityContext).toMatchObject({
        readOnlyRootFilesystem: true,
        allowPrivilegeEscalation: false,
        capabilities: { drop: ['ALL'] },
      });
      // A writable /tmp is the only writable path.
      expect(c.volumeMounts).toEqual([{ name: 'tmp', mountPath: '/tmp' }]);
    }
  });

  it('worker: its own ServiceAccount, /metrics port, probes, hardened, HPA only when enabled', () => {
    const objs = render(valueSets.defaults ?? []);
    const w = deployment(objs, 'worker');
    expect(w.spec.replicas).toBe(2);
    const pod = w.spec.template.spec;
    expect(pod.serviceAccountName).toBe('rel-slipway-worker');
    const [c] = pod.containers;
    expect(c.ports).toEqual([{ name: 'metrics', containerPort: 9464, protocol: 'TCP' }]);
    expect(c.env).toContainEqual({ name: 'WORKER_METRICS_PORT', value: '9464' });
    expect(c.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'metrics' });
    expect(c.securityContext).toMatchObject({
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
    });
    expect(pod.securityContext.runAsNonRoot).toBe(true);
    // Grace for in-flight jobs (30 s) plus 10 s to close.
    expect(pod.terminationGracePeriodSeconds).toBe(40);
    expect(byKind(objs, 'HorizontalPodAutoscaler')).toEqual([]);

    const full = render(valueSets.full ?? []);
    const fw = deployment(full, 'worker');
    // With an HPA the Deployment leaves replicas to it (or every upgrade would reset the count).
    expect(fw.spec.replicas).toBeUndefined();
    const [hpa] = byKind(full, 'HorizontalPodAutoscaler');
    expect(hpa?.spec.scaleTargetRef).toEqual({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      name: fw.metadata.name,
    });
    expect(hpa?.spec).toMatchObject({ minReplicas: 2, maxReplicas: 6 });
  });

  it('migrations run as a pre-install/pre-upgrade hook Job that reads only DATABASE_URL', () => {
    const [job] = byKind(render(valueSets.defaults ?? []), 'Job');
    expect(job?.metadata.annotations?.['helm.sh/hook']).toBe('pre-install,pre-upgrade');
    expect(job?.metadata.annotations?.['helm.sh/hook-delete-policy']).toContain('before-hook-creation');
    const pod = job?.spec.template.spec;
    expect(pod.restartPolicy).toBe('Never');
    const [c] = pod.containers;
    expect(c.command).toEqual(['node', 'scripts/migrate.ts']);
    expect(c.env).toEqual([
      { name: 'DATABASE_URL', valueFrom: { secretKeyRef: { name: 'slipway-secrets', key: 'DATABASE_URL' } } },
    ]);
    expect(c.securityContext.readOnlyRootFilesystem).toBe(true);
  });

  it('no secret values in plain text: no Secret object, secret variables only by secretKeyRef', () => {
    for (const args of Object.values(valueSets)) {
      const objs = render(args);
      expect(byKind(objs, 'Secret')).toEqual([]);
      for (const cm of byKind(objs, 'ConfigMap'))
        for (const k of SECRET_KEYS) expect(cm.data?.[k], `${k} in ConfigMap`).toBeUndefined();
      for (const o of objs) {
        const pod = o.kind === 'Job' || o.kind === 'Deployment' ? o.spec.template.spec : null;
        if (!pod) continue;
        for (const c of pod.containers)
          for (const e of c.env ?? [])
            if (SECRET_KEYS.includes(e.name)) {
              expect(e.value, `${o.metadata.name} ${e.name}`).toBeUndefined();
              expect(e.valueFrom.secretKeyRef.name).toBe('slipway-secrets');
            }
      }
    }
  });

  it('RBAC binds the worker ServiceAccount; namespaced by default, cluster-wide on request', () => {
    const ns = render(valueSets.defaults ?? []);
    const [role] = byKind(ns, 'Role');
    const [binding] = byKind(ns, 'RoleBinding');
    expect(role?.metadata.namespace).toBe('slipway');
    expect(role?.rules?.some((r) => r.resources.includes('deployments') && r.verbs.includes('patch'))).toBe(
      true,
    );
    const b = binding as unknown as { subjects: unknown[]; roleRef: { kind: string } };
    expect(b.subjects).toEqual([
      { kind: 'ServiceAccount', name: 'rel-slipway-worker', namespace: 'slipway' },
    ]);
    expect(b.roleRef.kind).toBe('Role');
    const cw = render(valueSets.full ?? []);
    expect(byKind(cw, 'ClusterRole')[0]?.rules?.some((r) => r.resources.includes('namespaces'))).toBe(true);
  });

  it('Service, Ingress, PDBs and NetworkPolicies select the right pods', () => {
    const objs = render(valueSets.full ?? []);
    const api = deployment(objs, 'api');
    const apiLabels = api.spec.selector.matchLabels;
    const svc = byKind(objs, 'Service').find((s) => s.metadata.name === 'rel-slipway-api');
    expect(svc?.spec.selector).toEqual(apiLabels);
    expect(svc?.spec.ports[0]).toMatchObject({ port: 80, targetPort: 'http' });
    const [ing] = byKind(objs, 'Ingress');
    expect(ing?.spec.rules[0].http.paths[0].backend.service).toEqual({
      name: 'rel-slipway-api',
      port: { name: 'http' },
    });
    expect(ing?.spec.tls[0].secretName).toBe('slipway-tls');
    const pdbs = byKind(objs, 'PodDisruptionBudget');
    expect(pdbs.find((p) => p.metadata.name.endsWith('-api'))?.spec).toMatchObject({
      minAvailable: 1,
      selector: { matchLabels: apiLabels },
    });
    const nps = byKind(objs, 'NetworkPolicy');
    expect(nps.map((n) => n.spec.ingress[0].ports[0].port).sort()).toEqual(['http', 'metrics']);
  });
});
