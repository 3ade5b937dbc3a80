// Readiness and liveness failures. Readiness keeps a pod out of Service endpoints (the classic "pod not
// ready"); liveness makes the kubelet restart it. Unhealthy events carry the probe's own error.
import type { K8sEvent, PodSnapshot } from '@slipway/drivers';
import { listNames, unique } from '../../format.ts';
import type { Evidence, Finding } from '../../types.ts';
import {
  concerns,
  containerEvidence,
  distinctEvents,
  errorLines,
  eventEvidence,
  logEvidence,
  logSource,
  podEvidence,
} from '../evidence.ts';
import { isCrashing, type RuleContext } from '../rule-context.ts';

/** Log lines that show the app still warming up (loading, migrating, "x of y") and no error. */
function warmUpLines(logs: string[] | undefined): string[] {
  const lines = logs ?? [];
  if (errorLines(lines).length > 0) return [];
  return lines.filter((l) =>
    /warm(?:ing)?[ -]?up|warming|loading|initiali[sz]ing|migrating|\b\d+ of \d+\b|% complete|starting/i.test(
      l,
    ),
  );
}

const STARTUP_PROBE_REC =
  'Add a startupProbe (e.g. the same check with failureThreshold: 30, periodSeconds: 10) so liveness and readiness checks only begin after the warm-up';

function probeEvents(events: K8sEvent[], kind: 'Readiness' | 'Liveness'): K8sEvent[] {
  const re = new RegExp(`^${kind} probe (failed|errored)`, 'i');
  return distinctEvents(events.filter((e) => e.reason === 'Unhealthy' && re.test(e.message)));
}

function probeRecommendations(messages: string[], kind: 'readiness' | 'liveness'): string[] {
  const text = messages.join('\n');
  const recs: string[] = [];
  if (/connection refused|connect: /i.test(text)) {
    recs.push(
      `The ${kind} probe cannot connect: check that the app listens on the probed port (the container port) on 0.0.0.0`,
    );
  }
  if (/statuscode: 5\d\d/i.test(text))
    recs.push(`The ${kind} endpoint returns 5xx: check the app's health handler`);
  if (/statuscode: 404/i.test(text)) recs.push(`The ${kind} probe path returns 404: fix the probe path`);
  if (/timeout|deadline exceeded/i.test(text)) {
    recs.push(`The ${kind} probe times out: raise timeoutSeconds or make the health endpoint cheaper`);
  }
  recs.push(
    kind === 'liveness'
      ? 'Raise initialDelaySeconds/failureThreshold if the app needs longer to start'
      : 'Raise initialDelaySeconds if the app needs longer to become ready',
  );
  return recs;
}

/** Probe events name the pod in `object`; group by pod so messages can name it. */
function byPod(pods: PodSnapshot[], events: K8sEvent[]): Map<string, K8sEvent[]> {
  const out = new Map<string, K8sEvent[]>();
  for (const e of events) {
    const pod = pods.find((p) => concerns(e, p.name))?.name ?? e.object.replace(/^pods?\//i, '');
    out.set(pod, [...(out.get(pod) ?? []), e]);
  }
  return out;
}

export function livenessRule(ctx: RuleContext): Finding[] {
  const { snapshot } = ctx;
  const events = probeEvents(snapshot.events, 'Liveness');
  if (events.length === 0) return [];
  const grouped = byPod(snapshot.pods, events);
  const pods = [...grouped.keys()];
  const latest = events[0]?.message ?? '';
  const looping = snapshot.pods.some(
    (p) => grouped.has(p.name) && p.containers.some((c) => c.reason === 'CrashLoopBackOff'),
  );
  const src = logSource(snapshot);
  const warm = warmUpLines(snapshot.logs);
  const slowStart = warm.length > 0 && /timeout|deadline exceeded|connection refused/i.test(latest);
  const evidence: Evidence[] = [...grouped.values()].flatMap((es) => es.slice(0, 2).map(eventEvidence));
  for (const p of snapshot.pods.filter((x) => grouped.has(x.name)).slice(0, 2))
    for (const c of p.containers.filter((x) => x.restartCount > 0)) evidence.push(containerEvidence(p, c));
  if (slowStart && src)
    for (const l of warm.slice(-2)) evidence.push(logEvidence(`${src.pod.name}/${src.container.name}`, l));
  const recs = probeRecommendations(
    events.map((e) => e.message),
    'liveness',
  );
  const where = pods.length === 1 ? `pod ${pods[0]}` : `${pods.length} pods (${listNames(pods)})`;
  return [
    {
      rule: 'liveness-failure',
      severity: looping ? 'error' : 'warning',
      cause: slowStart ? 'slow-start' : 'probe-failing',
      message: slowStart
        ? `Liveness probe kills the container of ${where} while it is still warming up (${latest}), so it never finishes starting`
        : `Liveness probe fails on ${where}, so the kubelet restarts the container: ${latest}`,
      recommendations: slowStart ? [STARTUP_PROBE_REC, ...recs] : recs,
      evidence,
    },
  ];
}

export function readinessRule(ctx: RuleContext): Finding[] {
  const { snapshot } = ctx;
  const events = probeEvents(snapshot.events, 'Readiness');
  const findings: Finding[] = [];
  const grouped = byPod(snapshot.pods, events);
  if (events.length > 0) {
    const pods = [...grouped.keys()];
    const evidence: Evidence[] = [];
    for (const [podName, es] of grouped) {
      const pod = snapshot.pods.find((p) => p.name === podName);
      if (pod) evidence.push(podEvidence(pod));
      evidence.push(...es.slice(0, 2).map(eventEvidence));
    }
    const latest = events[0]?.message ?? '';
    const warm = warmUpLines(snapshot.logs);
    const src = logSource(snapshot);
    if (warm.length > 0 && src)
      for (const l of warm.slice(-2)) evidence.push(logEvidence(`${src.pod.name}/${src.container.name}`, l));
    const recs = probeRecommendations(
      events.map((e) => e.message),
      'readiness',
    );
    const allDown = snapshot.deployment.availableReplicas === 0;
    findings.push({
      rule: 'readiness-failure',
      severity: allDown ? 'error' : 'warning',
      cause: warm.length > 0 ? 'slow-start' : 'probe-failing',
      message: `${pods.length === 1 ? `Pod ${pods[0]} is` : `${pods.length} pods (${listNames(pods)}) are`} not ready: readiness probe failed (${latest})${warm.length > 0 ? '; the app is still warming up' : ''}`,
      recommendations: warm.length > 0 ? [...recs, STARTUP_PROBE_REC] : recs,
      evidence,
    });
  }
  // Running but not ready with nothing else to blame: still a finding, with the container states as evidence.
  const nodeDown = new Set((snapshot.nodes ?? []).filter((n) => n.ready === false).map((n) => n.name));
  const silent = snapshot.pods.filter(
    (p) =>
      p.phase === 'Running' &&
      !p.ready &&
      !grouped.has(p.name) &&
      !p.containers.some(isCrashing) &&
      !p.containers.some((c) => c.state === 'waiting') &&
      !(p.nodeName && nodeDown.has(p.nodeName)),
  );
  if (silent.length > 0) {
    const names = unique(silent.map((p) => p.name));
    findings.push({
      rule: 'readiness-failure',
      severity: 'warning',
      message: `${names.length === 1 ? `Pod ${names[0]} is` : `${names.length} pods (${listNames(names)}) are`} Running but not Ready`,
      recommendations: [
        'Check the readiness probe configuration and the app health endpoint (kubectl describe pod)',
        'Check application logs for specific error messages',
      ],
      evidence: silent.flatMap((p) => [
        podEvidence(p),
        ...p.containers.filter((c) => !c.ready).map((c) => containerEvidence(p, c)),
      ]),
    });
  }
  return findings;
}
