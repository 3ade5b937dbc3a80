// Turning snapshot pieces into Evidence, and the lookups rules share (events of a pod, the container whose
// logs the driver captured). Keeping the wording here makes evidence read the same across rules.
import type {
  Condition,
  ContainerStatus,
  K8sEvent,
  NodeSnapshot,
  PodSnapshot,
  ServiceSnapshot,
  WorkloadSnapshot,
} from '@slipway/drivers';
import type { Evidence } from '../types.ts';

export function podEvidence(pod: PodSnapshot): Evidence {
  return podEvidenceOf(pod);
}

export function podEvidenceOf(pod: PodSnapshot): Evidence {
  const reason = pod.reason ? `, reason ${pod.reason}` : '';
  const msg = pod.statusMessage ? `: ${pod.statusMessage}` : '';
  return {
    kind: 'pod_status',
    source: pod.name,
    detail: `phase ${pod.phase}${reason}, ${pod.ready ? 'ready' : 'not ready'}${msg}`,
  };
}

export function conditionEvidence(source: string, c: Condition): Evidence {
  const why = c.reason ? ` (${c.reason})` : '';
  return {
    kind: 'pod_condition',
    source,
    detail: `${c.type}=${c.status}${why}${c.message ? `: ${c.message}` : ''}`,
  };
}

export function nodeEvidence(n: NodeSnapshot, c?: Condition): Evidence {
  if (c) {
    const why = c.reason ? ` (${c.reason})` : '';
    return {
      kind: 'node',
      source: n.name,
      detail: `${c.type}=${c.status}${why}${c.message ? `: ${c.message}` : ''}`,
    };
  }
  const taints = n.taints.map((t) => `${t.key}${t.value ? `=${t.value}` : ''}:${t.effect}`);
  return {
    kind: 'node',
    source: n.name,
    detail: `taints ${taints.length ? taints.join(', ') : 'none'}`,
  };
}

export function serviceEvidence(s: ServiceSnapshot): Evidence {
  const sel = Object.entries(s.selector)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  return {
    kind: 'service',
    source: s.name,
    detail: `${s.type} selector {${sel}} ${s.selectsWorkload ? 'matches' : 'does not match'} the pod labels; ${s.readyEndpoints} ready / ${s.notReadyEndpoints} not-ready endpoints`,
  };
}

export function describeContainer(c: ContainerStatus): string {
  const parts = [c.reason ? `${c.state} (${c.reason})` : c.state];
  if (c.exitCode !== undefined) parts.push(`exit code ${c.exitCode}`);
  parts.push(`${c.restartCount} restarts`);
  parts.push(c.ready ? 'ready' : 'not ready');
  const head = parts.join(', ');
  let out = c.message ? `${head}: ${c.message}` : head;
  const last = c.lastState;
  if (last && (last.reason || last.exitCode !== undefined || last.message)) {
    const bits = [last.reason, last.exitCode !== undefined ? `exit code ${last.exitCode}` : undefined]
      .filter(Boolean)
      .join(', ');
    out += `; last state terminated (${bits})${last.message ? `: ${last.message}` : ''}`;
  }
  return out;
}

export function containerEvidence(pod: PodSnapshot, c: ContainerStatus): Evidence {
  return { kind: 'container_state', source: `${pod.name}/${c.name}`, detail: describeContainer(c) };
}

export function eventEvidence(e: K8sEvent): Evidence {
  return { kind: 'event', source: e.object, detail: `${e.type} ${e.reason}: ${e.message}` };
}

export function deploymentEvidence(name: string, snapshot: WorkloadSnapshot): Evidence {
  const d = snapshot.deployment;
  const reason = d.reason ? `, reason ${d.reason}` : '';
  return {
    kind: 'deployment_status',
    source: name,
    detail: `phase ${d.phase}, ${d.availableReplicas}/${d.desiredReplicas} replicas available${reason}`,
  };
}

/**
 * Drivers write `object` as "Kind/name" (kubernetes: "Pod/api-1") or a bare name. Suffix match, not
 * containment: "api-1" must not pick up events of "api-10".
 */
export function concerns(e: K8sEvent, objectName: string): boolean {
  return e.object === objectName || e.object.endsWith(`/${objectName}`);
}

export function eventsOf(snapshot: WorkloadSnapshot, objectName: string): K8sEvent[] {
  return snapshot.events.filter((e) => concerns(e, objectName));
}

/** Newest first, one per (reason, object, message): kubelet repeats events, evidence should not. */
export function distinctEvents(events: K8sEvent[]): K8sEvent[] {
  const seen = new Set<string>();
  const sorted = [...events].sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0));
  const out: K8sEvent[] = [];
  for (const e of sorted) {
    const key = `${e.reason}\u0000${e.object}\u0000${e.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(e);
  }
  return out;
}

/**
 * The driver captures logs of "the first unhealthy container"; this reproduces that choice so log lines are
 * attributed to a pod/container rather than to the deployment as a whole.
 */
export function logSource(
  snapshot: WorkloadSnapshot,
): { pod: PodSnapshot; container: ContainerStatus } | null {
  // A failing init container blocks the others; its logs are the ones captured.
  for (const pod of snapshot.pods) {
    for (const c of pod.initContainers ?? []) {
      const failed =
        c.state === 'terminated' ? c.exitCode !== 0 : !c.ready && (c.restartCount > 0 || !!c.lastState);
      if (failed) return { pod, container: c };
    }
  }
  for (const pod of snapshot.pods) {
    for (const container of pod.containers) {
      if (!container.ready || container.state !== 'running') return { pod, container };
    }
  }
  return null;
}

export function logEvidence(source: string, line: string): Evidence {
  return { kind: 'log', source, detail: line.trim() };
}

/** Lines that look like the error a crashing process printed last (most recent first). */
export function errorLines(logs: string[], max = 2): string[] {
  const re = /\b(error|exception|fatal|panic|traceback|failed|cannot|could not|refused|denied)\b/i;
  const hits = logs.filter((l) => re.test(l)).reverse();
  return hits.slice(0, max);
}
