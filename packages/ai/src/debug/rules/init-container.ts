// A failing init container: the main containers never start, so the cause is in the init container's
// state and logs (a migration that fails, a wait-for-dependency that gives up).
import type { ContainerStatus, PodSnapshot } from '@slipway/drivers';
import { listNames, unique } from '../../format.ts';
import type { Evidence, Finding } from '../../types.ts';
import { conditionEvidence, containerEvidence, errorLines, logEvidence, logSource } from '../evidence.ts';
import { describeLogCause, logCauseRecommendations, readLogs } from '../logs.ts';
import { podCondition, type RuleContext } from '../rule-context.ts';
import { findMissingEnv } from './crash-loop.ts';

function initFailed(c: ContainerStatus): boolean {
  if (c.state === 'terminated') return c.exitCode !== undefined && c.exitCode !== 0;
  if (c.state === 'waiting')
    return (
      c.reason === 'CrashLoopBackOff' ||
      c.reason === 'RunContainerError' ||
      (c.lastState?.exitCode !== undefined && c.lastState.exitCode !== 0)
    );
  return false;
}

export function initContainerRule(ctx: RuleContext): Finding[] {
  const { snapshot } = ctx;
  const hits: { pod: PodSnapshot; container: ContainerStatus }[] = [];
  for (const pod of snapshot.pods)
    for (const c of pod.initContainers ?? []) if (initFailed(c)) hits.push({ pod, container: c });
  if (hits.length === 0) return [];
  const byName = new Map<string, typeof hits>();
  for (const h of hits) byName.set(h.container.name, [...(byName.get(h.container.name) ?? []), h]);
  const src = logSource(snapshot);
  const findings: Finding[] = [];
  for (const [init, group] of byName) {
    const logsApply = src !== null && src.container.name === init;
    const logs = logsApply ? (snapshot.logs ?? []) : [];
    const logSrc = src ? `${src.pod.name}/${src.container.name}` : '';
    const env = findMissingEnv(logs);
    const reading = env.lines.length ? null : readLogs(logs);
    const errs = env.lines.length ? env.lines : (reading?.lines ?? errorLines(logs));
    const code = group
      .map((g) => g.container.lastState?.exitCode ?? g.container.exitCode)
      .find((c) => c !== undefined);
    const lastErr = errs[0];
    const why = env.lines.length
      ? `missing environment variables (${env.vars.join(', ')})`
      : reading
        ? describeLogCause(reading.cause)
        : lastErr
          ? `"${lastErr.trim()}"`
          : `exit code ${code ?? 'unknown'}`;
    const pods = unique(group.map((g) => g.pod.name));
    const evidence: Evidence[] = group.slice(0, 3).map((g) => containerEvidence(g.pod, g.container));
    for (const g of group.slice(0, 1)) {
      const cond = podCondition(g.pod, 'Initialized');
      if (cond && cond.status !== 'True') evidence.push(conditionEvidence(g.pod.name, cond));
    }
    for (const l of errs.slice(0, 2)) evidence.push(logEvidence(logSrc, l));
    const subject = pods.length === 1 ? `pod ${pods[0]}` : `${pods.length} pods (${listNames(pods)})`;
    findings.push({
      rule: 'init-container-failure',
      severity: 'error',
      cause: env.lines.length ? 'missing-env' : (reading?.cause.kind ?? 'exit-code'),
      message: `Init container ${init} of ${subject} fails${code !== undefined ? ` (exit code ${code})` : ''} due to ${why}, so the app containers never start`,
      recommendations: [
        ...(reading ? logCauseRecommendations(reading.cause, init) : []),
        `Read the init container's logs (kubectl logs ${pods[0]} -c ${init} --previous) and fix what it reports`,
        `Make ${init} idempotent: it reruns on every pod start and after each failure`,
      ],
      evidence,
    });
  }
  return findings;
}
