// Services of the workload: a selector that matches none of its pods (a root cause of its own), a Service
// Slipway recorded as failed, and a Service without ready endpoints (a symptom of the pods not being ready).
import type { Evidence, Finding } from '../../types.ts';
import { serviceEvidence } from '../evidence.ts';
import type { RuleContext } from '../rule-context.ts';

function labels(l: Record<string, string>): string {
  return Object.entries(l)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}

export function serviceSelectorRule(ctx: RuleContext): Finding[] {
  const { snapshot, name } = ctx;
  return (snapshot.services ?? [])
    .filter((s) => !s.selectsWorkload)
    .map((s) => ({
      rule: 'service-selector-mismatch' as const,
      severity: 'error' as const,
      cause: Object.keys(s.selector).length ? 'selector-mismatch' : 'no-selector',
      message: Object.keys(s.selector).length
        ? `Service ${s.name} selects {${labels(s.selector)}}, which matches no pod of ${name}${snapshot.podLabels ? ` (pod labels: ${labels(snapshot.podLabels)})` : ''}, so it has no endpoints`
        : `Service ${s.name} has no selector, so no pod of ${name} becomes its endpoint`,
      recommendations: [
        `Change the selector of Service ${s.name} to labels the pods of ${name} carry${
          snapshot.podLabels
            ? ` (e.g. ${
                Object.entries(snapshot.podLabels)
                  .find(([k]) => k.includes('deployment-id'))
                  ?.join('=') ?? labels(snapshot.podLabels)
              })`
            : ''
        }`,
      ],
      evidence: [serviceEvidence(s)],
    }));
}

/** A Service the workload's pods would serve but that has no ready endpoint: a symptom of unready pods. */
export function serviceEndpointsRule(ctx: RuleContext): Finding[] {
  const { snapshot, name } = ctx;
  if (snapshot.deployment.desiredReplicas === 0) return [];
  return (snapshot.services ?? [])
    .filter((s) => s.selectsWorkload && s.readyEndpoints === 0 && s.type !== 'ExternalName')
    .map((s) => ({
      rule: 'service-no-endpoints' as const,
      severity: 'warning' as const,
      symptom: true,
      message: `Service ${s.name} has no ready endpoints (${s.notReadyEndpoints} not ready): requests to it fail until pods of ${name} are ready`,
      recommendations: [`Fix why the pods of ${name} are not ready; the Service follows`],
      evidence: [serviceEvidence(s)],
    }));
}

/** The error Slipway recorded when it applied or waited for the service. */
export function serviceFailedRule(ctx: RuleContext): Finding[] {
  const failed = (ctx.context.services ?? []).filter((s) => s.status === 'failed');
  const podsUnready =
    ctx.snapshot.pods.length > 0 &&
    ctx.snapshot.pods.every((p) => !p.ready) &&
    ctx.snapshot.deployment.desiredReplicas > 0;
  return failed.map((s) => {
    const evidence: Evidence[] = [
      {
        kind: 'slipway',
        source: `service/${s.name}`,
        detail: `recorded status failed${s.error ? `: ${s.error}` : ''}`,
      },
    ];
    const lb = /LoadBalancer|load balancer/i.test(s.error ?? '') || s.type === 'LoadBalancer';
    const noEndpoints = /no ready endpoints|endpoints/i.test(s.error ?? '');
    return {
      rule: 'service-failed' as const,
      severity: 'error' as const,
      cause: lb ? 'load-balancer' : noEndpoints ? 'no-endpoints' : 'apply',
      // No ready endpoints because no pod is ready: the pods' problem is the cause.
      ...(noEndpoints && podsUnready ? { symptom: true } : {}),
      message: `Service ${s.name} failed: ${s.error ?? 'no error recorded'}`,
      recommendations: lb
        ? [
            'On minikube a LoadBalancer gets an address only while `minikube tunnel` runs; start it, or use type NodePort',
            `Change the service type: PUT /api/services/${s.id} {"type":"NodePort"}`,
          ]
        : noEndpoints
          ? ['Fix why the selected pods are not ready; the service becomes active once they are']
          : [`Re-apply the service after fixing the error: PUT /api/services/${s.id}`],
      ...(lb
        ? {
            actions: [
              {
                description: `Switch service ${s.name} to NodePort`,
                method: 'PUT' as const,
                path: `/api/services/${s.id}`,
                body: { type: 'NodePort' },
              },
            ],
          }
        : {}),
      evidence,
    };
  });
}
