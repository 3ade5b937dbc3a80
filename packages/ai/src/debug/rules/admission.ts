// The ReplicaSet cannot create pods at all: a ResourceQuota (or another admission check) refuses them.
// Nothing shows on pods because there are none; the cause is only in the ReplicaSet's FailedCreate events
// and the deployment's ReplicaFailure condition.
import type { Evidence, Finding } from '../../types.ts';
import { distinctEvents, eventEvidence } from '../evidence.ts';
import type { RuleContext } from '../rule-context.ts';

export type QuotaRefusal = { quota: string; requested: string; used: string; limited: string };

export function parseQuotaMessage(text: string): QuotaRefusal | null {
  const m =
    /exceeded quota: ([\w.-]+), requested: ([^,]+(?:,[^,:]+=[^,]+)*), used: ([^,]+(?:,[^,:]+=[^,]+)*), limited: (.+)$/.exec(
      text,
    );
  if (!m) return null;
  return {
    quota: m[1] ?? '',
    requested: (m[2] ?? '').trim(),
    used: (m[3] ?? '').trim(),
    limited: (m[4] ?? '').trim(),
  };
}

export function quotaRule(ctx: RuleContext): Finding[] {
  const { snapshot, name } = ctx;
  const events = distinctEvents(
    snapshot.events.filter((e) => e.reason === 'FailedCreate' && /^replicaset\//i.test(e.object)),
  );
  const cond = snapshot.conditions?.find(
    (c) => c.type === 'ReplicaFailure' && c.status === 'True' && c.reason === 'FailedCreate',
  );
  const text = events[0]?.message ?? cond?.message;
  if (!text) return [];
  const evidence: Evidence[] = events.slice(0, 2).map(eventEvidence);
  if (cond)
    evidence.push({
      kind: 'deployment_status',
      source: name,
      detail: `condition ReplicaFailure=True (FailedCreate): ${cond.message ?? ''}`,
    });
  const q = parseQuotaMessage(text);
  if (q) {
    return [
      {
        rule: 'quota-exceeded',
        severity: 'error',
        cause: 'resource-quota',
        message: `No pod of ${name} can be created: ResourceQuota ${q.quota} is exhausted (requested ${q.requested}, used ${q.used}, limited ${q.limited})`,
        recommendations: [
          `Raise ResourceQuota ${q.quota} in the namespace (kubectl edit resourcequota ${q.quota}) or free quota by removing other workloads`,
          `Lower the requests/limits of ${name} or its replica count so the pods fit in the quota`,
        ],
        evidence,
      },
    ];
  }
  return [
    {
      rule: 'quota-exceeded',
      severity: 'error',
      cause: 'admission',
      message: `No pod of ${name} can be created: the ReplicaSet's create is refused (${text.replace(/^Error creating: /, '')})`,
      recommendations: [
        'Fix what the admission error names (a missing ServiceAccount, a PodSecurity violation, a webhook)',
      ],
      evidence,
    },
  ];
}
