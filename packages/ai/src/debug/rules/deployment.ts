// Deployment-level rules: it is gone, it has fewer available replicas than desired, or it is healthy.
import { formatCpu, formatMemory, plural } from '../../format.ts';
import type { Finding } from '../../types.ts';
import { deploymentEvidence, podEvidence } from '../evidence.ts';
import type { RuleContext } from '../rule-context.ts';

export function deploymentAbsentRule(ctx: RuleContext): Finding[] {
  if (ctx.snapshot.deployment.phase !== 'absent') return [];
  return [
    {
      rule: 'deployment-absent',
      severity: 'error',
      message: `Deployment ${ctx.name} does not exist in the cluster`,
      recommendations: [
        `Re-apply deployment ${ctx.name} (update it to trigger a new rollout) or check that it targets the right namespace and cluster`,
      ],
      evidence: [deploymentEvidence(ctx.name, ctx.snapshot)],
    },
  ];
}

export function replicasMismatchRule(ctx: RuleContext): Finding[] {
  const { snapshot, name } = ctx;
  const d = snapshot.deployment;
  if (d.phase === 'absent' || d.availableReplicas >= d.desiredReplicas) return [];
  const notReady = snapshot.pods.filter((p) => !p.ready);
  const reason = d.reason ? ` (${d.reason})` : '';
  const recs =
    notReady.length > 0
      ? ['Fix the pod problems reported with this analysis; available replicas follow once pods become ready']
      : [
          `Check the ReplicaSet events of ${name} (kubectl describe rs) for quota or admission errors that stop pods from being created`,
        ];
  return [
    {
      rule: 'replicas-mismatch',
      severity: d.availableReplicas === 0 ? 'error' : 'warning',
      symptom: true,
      message: `Only ${d.availableReplicas}/${d.desiredReplicas} replicas of ${name} are available${reason}`,
      recommendations: recs,
      evidence: [deploymentEvidence(name, snapshot), ...notReady.map(podEvidence)],
    },
  ];
}

/** Only added by the analyzer when no other rule reported a warning or error. */
export function healthyFinding(ctx: RuleContext): Finding {
  const { snapshot, name } = ctx;
  const d = snapshot.deployment;
  const ready = snapshot.pods.filter((p) => p.phase === 'Running' && p.ready).length;
  const restarts = snapshot.pods.reduce(
    (n, p) => n + p.containers.reduce((m, c) => m + c.restartCount, 0),
    0,
  );
  const parts = [
    `${d.availableReplicas}/${d.desiredReplicas} replicas available`,
    `${plural(ready, 'pod')} Running and Ready`,
    plural(restarts, 'restart'),
  ];
  const running = snapshot.pods.filter((p) => p.phase === 'Running');
  if (running.length > 0 && running.every((p) => p.cpuMillicores !== null && p.memoryMiB !== null)) {
    const cpu = running.reduce((n, p) => n + (p.cpuMillicores ?? 0), 0);
    const mem = running.reduce((n, p) => n + (p.memoryMiB ?? 0), 0);
    parts.push(`using ${formatCpu(cpu)} CPU and ${formatMemory(mem)} memory`);
  }
  return {
    rule: 'healthy',
    severity: 'info',
    message: `No problems found in ${name}: ${parts.join(', ')}`,
    recommendations: ['No action needed'],
    evidence: [deploymentEvidence(name, snapshot), ...snapshot.pods.map(podEvidence)],
  };
}
