// Cluster- and node-level causes: the cluster Slipway recorded as not running, a node that is NotReady,
// and node pressure conditions (which make the kubelet evict pods). These come before any pod finding:
// a pod on a dead node is a symptom, not a cause.
import { listNames } from '../../format.ts';
import type { Evidence, Finding } from '../../types.ts';
import { distinctEvents, eventEvidence, nodeEvidence, podEvidence } from '../evidence.ts';
import type { RuleContext } from '../rule-context.ts';

/** Slipway's own record says the cluster is not running: nothing in it can be running either. */
export function clusterNotRunningRule(ctx: RuleContext): Finding[] {
  const c = ctx.context.cluster;
  if (!c || c.status === 'running') return [];
  const why = c.error ? ` (${c.error})` : '';
  const evidence: Evidence[] = [
    { kind: 'slipway', source: `cluster/${c.name}`, detail: `recorded status ${c.status}${why}` },
  ];
  const starting = c.status === 'starting' || c.status === 'restarting';
  const path = `/api/minikube-clusters/${c.id}/start`;
  return [
    {
      rule: 'cluster-not-running',
      severity: starting ? 'warning' : 'error',
      cause: c.status,
      message: `Cluster ${c.name} is ${c.status}${why}, so deployment ${ctx.name} is not running on it (its pods cannot be inspected until the cluster runs)`,
      recommendations: starting
        ? [`Wait for cluster ${c.name} to finish starting, then debug again`]
        : [`Start cluster ${c.name}: POST ${path}`],
      ...(starting
        ? {}
        : { actions: [{ description: `Start cluster ${c.name}`, method: 'POST' as const, path }] }),
      evidence,
    },
  ];
}

export function nodeNotReadyRule(ctx: RuleContext): Finding[] {
  const findings: Finding[] = [];
  for (const node of ctx.snapshot.nodes ?? []) {
    if (node.ready !== false) continue;
    const cond = node.conditions.find((c) => c.type === 'Ready');
    const pods = ctx.snapshot.pods.filter((p) => p.nodeName === node.name);
    const evidence: Evidence[] = [
      ...(cond ? [nodeEvidence(node, cond)] : []),
      ...(node.taints.length ? [nodeEvidence(node)] : []),
      ...pods.slice(0, 3).map(podEvidence),
    ];
    const notReady = distinctEvents(ctx.snapshot.events.filter((e) => e.reason === 'NodeNotReady'));
    for (const e of notReady.slice(0, 1)) evidence.push(eventEvidence(e));
    const why = cond?.message ? ` (${cond.reason ?? cond.status}: ${cond.message})` : '';
    const onIt = pods.length
      ? `; ${pods.length === 1 ? `pod ${pods[0]?.name} runs` : `pods ${listNames(pods.map((p) => p.name))} run`} on it and cannot be ready`
      : '';
    findings.push({
      rule: 'node-not-ready',
      severity: 'error',
      cause: cond?.status === 'Unknown' ? 'node-unreachable' : 'node-not-ready',
      message: `Node ${node.name} is NotReady${why}${onIt}`,
      recommendations: [
        `Check the node's kubelet and container runtime (minikube ssh -- sudo systemctl status kubelet), or restart the cluster`,
        'Pods move only when another Ready node exists: add a node or restore this one',
      ],
      evidence,
    });
  }
  return findings;
}

const PRESSURE: Record<string, { what: string; recs: string[] }> = {
  MemoryPressure: {
    what: 'memory',
    recs: [
      'Give the node more memory (minikube start --memory) or run fewer/lighter pods on it',
      'Set memory requests to what the containers really use: pods using more than they request are evicted first',
    ],
  },
  DiskPressure: {
    what: 'disk',
    recs: [
      'Free disk on the node (unused images: minikube ssh -- docker system prune) or give it a bigger disk (minikube start --disk-size)',
      'Set ephemeral-storage requests/limits and write large data to volumes instead of the container filesystem',
    ],
  },
  PIDPressure: {
    what: 'process ids',
    recs: ['Find the pod forking processes without bound and fix it; set a pod PID limit'],
  },
};

export function nodePressureRule(ctx: RuleContext): Finding[] {
  const findings: Finding[] = [];
  for (const node of ctx.snapshot.nodes ?? []) {
    for (const cond of node.conditions) {
      const p = PRESSURE[cond.type];
      if (!p || cond.status !== 'True') continue;
      const evicted = ctx.snapshot.pods.filter((x) => x.reason === 'Evicted');
      const tail = evicted.length
        ? `; the kubelet evicted ${evicted.length === 1 ? `pod ${evicted[0]?.name}` : `pods ${listNames(evicted.map((x) => x.name))}`}`
        : '';
      findings.push({
        rule: 'node-pressure',
        severity: 'error',
        cause: cond.type,
        message: `Node ${node.name} is under ${cond.type} (low on ${p.what}${cond.message ? `: ${cond.message}` : ''})${tail}`,
        recommendations: p.recs,
        evidence: [nodeEvidence(node, cond), ...evicted.slice(0, 3).map(podEvidence)],
      });
    }
  }
  return findings;
}
