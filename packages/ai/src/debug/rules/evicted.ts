// Evicted pods: the kubelet stopped them because the NODE ran low on a resource. Not an OOM kill and not a
// crash: raising the container's memory limit does nothing; requests (eviction ranking) and the node do.
import { listNames, unique } from '../../format.ts';
import type { Finding } from '../../types.ts';
import { distinctEvents, eventEvidence, eventsOf, podEvidence } from '../evidence.ts';
import type { RuleContext } from '../rule-context.ts';

export function evictedRule(ctx: RuleContext): Finding[] {
  const { snapshot, name } = ctx;
  const evicted = snapshot.pods.filter((p) => p.reason === 'Evicted');
  if (evicted.length === 0) return [];
  const texts = evicted.map((p) => p.statusMessage ?? '').filter(Boolean);
  const resources = unique(
    texts.map((t) => /low on resource: ([\w-]+)/.exec(t)?.[1]).filter((r): r is string => !!r),
  );
  const resource = resources[0] ?? null;
  const pressure = (snapshot.nodes ?? []).some((n) =>
    n.conditions.some(
      (c) =>
        c.status === 'True' &&
        /Pressure$/.test(c.type) &&
        (resource === null ||
          c.type.toLowerCase().startsWith(resource === 'ephemeral-storage' ? 'disk' : resource)),
    ),
  );
  const names = evicted.map((p) => p.name);
  const subject =
    names.length === 1 ? `Pod ${names[0]} was` : `${names.length} pods (${listNames(names)}) were`;
  const recs: string[] = [];
  if (resource === 'memory') {
    recs.push(
      `Set the memory request of ${name} to what it really uses: under node memory pressure the kubelet evicts pods that exceed their requests first`,
      'Give the node more memory (minikube start --memory) or run fewer pods on it',
    );
  } else if (resource === 'ephemeral-storage') {
    recs.push(
      `Set ephemeral-storage requests/limits on ${name} and write large data to a volume, not the container filesystem`,
      'Free disk on the node (minikube ssh -- docker system prune) or give it a bigger disk',
    );
  } else {
    recs.push('Free the resource the node ran low on, or move the workload to a node with room');
  }
  recs.push(`Delete the evicted pods once fixed (kubectl delete pod --field-selector=status.phase=Failed)`);
  const evidence = evicted.slice(0, 3).flatMap((p) => [
    podEvidence(p),
    ...distinctEvents(eventsOf(snapshot, p.name))
      .filter((e) => e.reason === 'Evicted')
      .slice(0, 1)
      .map(eventEvidence),
  ]);
  return [
    {
      rule: 'pod-evicted',
      severity: 'error',
      cause: resource ?? 'unknown',
      ...(pressure ? { symptom: true } : {}),
      message: `${subject} evicted by the kubelet because the node was low on ${resource ?? 'a resource'} (node pressure, not an OOM kill of the container)`,
      recommendations: recs,
      evidence,
    },
  ];
}
