// Many restarts on a container that is running right now: it crashes intermittently (or liveness kills it).
// Containers crashing at this moment are the crash-loop rule's; this one catches the flapping ones.
import type { Finding } from '../../types.ts';
import { containerEvidence } from '../evidence.ts';
import { isCrashing, type RuleContext } from '../rule-context.ts';
import { killedByLiveness } from './crash-loop.ts';

export function highRestartsRule(ctx: RuleContext): Finding[] {
  const findings: Finding[] = [];
  for (const pod of ctx.snapshot.pods) {
    for (const c of pod.containers) {
      if (isCrashing(c) || c.restartCount < ctx.thresholds.restartCount) continue;
      if (c.state === 'waiting' && c.reason !== 'CrashLoopBackOff') continue;
      findings.push({
        rule: 'high-restarts',
        severity: 'warning',
        // Restarts by a failing liveness probe are that finding's consequence.
        ...(killedByLiveness(ctx.snapshot, pod) ? { symptom: true } : {}),
        message: `Container ${c.name} in pod ${pod.name} has restarted ${c.restartCount} times`,
        recommendations: [
          `Check the logs of the previous run (kubectl logs ${pod.name} -c ${c.name} --previous)`,
          'Check for OOM kills and liveness probe failures, the usual causes of intermittent restarts',
        ],
        evidence: [containerEvidence(pod, c)],
      });
    }
  }
  return findings;
}
