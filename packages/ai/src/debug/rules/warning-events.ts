// Catch-all: Warning events no specific rule used as evidence (FailedMount, FailedCreate, Evicted, ...).
// Without it a problem the rules do not know would be reported as "No problems found".
import type { K8sEvent } from '@slipway/drivers';
import type { Finding } from '../../types.ts';
import { distinctEvents, eventEvidence } from '../evidence.ts';
import type { RuleContext } from '../rule-context.ts';

const HINTS: Record<string, string> = {
  FailedMount: 'Check that the volumes the pod mounts (Secrets, ConfigMaps, PVCs) exist',
  FailedAttachVolume: 'Check that the volume can attach to the node',
  FailedCreate: 'Check ReplicaSet admission errors (resource quota, PodSecurity, missing service account)',
  Evicted: 'The node is under resource pressure: set requests/limits or add capacity',
  FailedCreatePodSandBox: 'The node failed to set up pod networking: check the CNI / restart the cluster',
  ProgressDeadlineExceeded: 'The rollout did not finish in time: inspect the new pods of the deployment',
  BackOff: 'Check application logs for specific error messages',
};

/** `used` holds event keys (`eventEvidence` detail + source) already cited by other findings. */
export function warningEventsRule(ctx: RuleContext, used: Set<string>): Finding[] {
  const leftovers = distinctEvents(ctx.snapshot.events).filter((e) => {
    if (e.type !== 'Warning') return false;
    const ev = eventEvidence(e);
    return !used.has(`${ev.source}\u0000${ev.detail}`);
  });
  const byReason = new Map<string, K8sEvent[]>();
  for (const e of leftovers) byReason.set(e.reason, [...(byReason.get(e.reason) ?? []), e]);
  const findings: Finding[] = [];
  for (const [reason, events] of byReason) {
    const latest = events[0];
    if (!latest) continue;
    findings.push({
      rule: 'warning-events',
      severity: 'warning',
      message: `Warning event ${reason} on ${latest.object}: ${latest.message}`,
      recommendations: [HINTS[reason] ?? `Inspect the ${reason} event (kubectl describe ${latest.object})`],
      evidence: events.slice(0, 3).map(eventEvidence),
    });
  }
  return findings;
}
