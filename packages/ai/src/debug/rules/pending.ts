// Pending pods: the scheduler found no node for them. FailedScheduling says why ("Insufficient cpu",
// taints, affinity, unbound PVCs); for insufficient resources the pod's own requests are the lever.
import { formatCpu, formatMemory, listNames, unique } from '../../format.ts';
import type { Evidence, Finding } from '../../types.ts';
import {
  conditionEvidence,
  distinctEvents,
  eventEvidence,
  eventsOf,
  nodeEvidence,
  podEvidence,
} from '../evidence.ts';
import {
  CONFIG_REASONS,
  IMAGE_PULL_REASONS,
  isCrashing,
  podCondition,
  type RuleContext,
} from '../rule-context.ts';

export type SchedulingBlocker =
  | 'insufficient-cpu'
  | 'insufficient-memory'
  | 'insufficient-other'
  | 'taint'
  | 'affinity'
  | 'volume'
  | 'too-many-pods'
  | 'unschedulable-node';

export function parseFailedScheduling(message: string): SchedulingBlocker[] {
  const out: SchedulingBlocker[] = [];
  if (/Insufficient cpu/i.test(message)) out.push('insufficient-cpu');
  if (/Insufficient memory/i.test(message)) out.push('insufficient-memory');
  if (/Insufficient (?!cpu|memory)\S+/i.test(message)) out.push('insufficient-other');
  if (/untolerated taint|had taint|had untolerated/i.test(message)) out.push('taint');
  if (/didn't match (?:Pod's )?node (?:affinity|selector)|node affinity\/selector/i.test(message))
    out.push('affinity');
  if (/PersistentVolumeClaim|volume node affinity|unbound/i.test(message)) out.push('volume');
  if (/Too many pods/i.test(message)) out.push('too-many-pods');
  if (/were unschedulable/i.test(message)) out.push('unschedulable-node');
  return out;
}

const WHY: Record<SchedulingBlocker, string> = {
  'insufficient-cpu': 'not enough CPU',
  'insufficient-memory': 'not enough memory',
  'insufficient-other': 'not enough of an extended resource',
  taint: 'node taints the pod does not tolerate',
  affinity: 'no node matches its node selector/affinity',
  volume: 'its PersistentVolumeClaim is not bound',
  'too-many-pods': 'the node pod limit is reached',
  'unschedulable-node': 'the nodes are cordoned (unschedulable)',
};

export function pendingRule(ctx: RuleContext): Finding[] {
  const { snapshot, name } = ctx;
  // Pods whose containers are waiting on image pulls or config are Pending too; other rules explain those.
  const pending = snapshot.pods.filter(
    (p) =>
      p.phase === 'Pending' &&
      !p.containers.some(
        (c) => isCrashing(c) || [...IMAGE_PULL_REASONS, ...CONFIG_REASONS].includes(c.reason ?? '\u0000'),
      ),
  );
  if (pending.length === 0) return [];

  const allScheduling = distinctEvents(snapshot.events.filter((e) => e.reason === 'FailedScheduling'));
  const findings: Finding[] = [];
  const unexplained: typeof pending = [];
  const blocked = new Map<string, { blockers: SchedulingBlocker[]; pods: string[]; evidence: Evidence[] }>();
  for (const pod of pending) {
    const own = distinctEvents(eventsOf(snapshot, pod.name)).filter((e) => e.reason === 'FailedScheduling');
    // Some drivers report events against the ReplicaSet; a deployment's snapshot is scoped, so fall back.
    const events = own.length > 0 ? own : allScheduling;
    const latest = events[0];
    // The scheduler writes its verdict into the PodScheduled condition too; events expire, it does not.
    const cond = podCondition(pod, 'PodScheduled');
    const fromCondition = cond?.status === 'False' && cond.message ? cond.message : null;
    if (!latest && !fromCondition) {
      unexplained.push(pod);
      continue;
    }
    const blockers = parseFailedScheduling(latest?.message ?? fromCondition ?? '');
    const key = blockers.join(',');
    const entry = blocked.get(key) ?? { blockers, pods: [], evidence: [] };
    entry.pods.push(pod.name);
    entry.evidence.push(podEvidence(pod));
    if (latest) entry.evidence.push(eventEvidence(latest));
    else if (cond) entry.evidence.push(conditionEvidence(pod.name, cond));
    blocked.set(key, entry);
  }

  for (const { blockers, pods, evidence } of blocked.values()) {
    const podsList = pending.filter((p) => pods.includes(p.name));
    const cpuReq = podsList.find((p) => p.cpuRequestMillicores !== null)?.cpuRequestMillicores ?? null;
    const memReq = podsList.find((p) => p.memoryRequestMiB !== null)?.memoryRequestMiB ?? null;
    const recs: string[] = [];
    if (blockers.includes('insufficient-cpu')) {
      recs.push(
        cpuReq === null
          ? `Lower the CPU request of ${name}`
          : `Lower the CPU request of ${name} (currently ${formatCpu(cpuReq)} per pod)`,
      );
    }
    if (blockers.includes('insufficient-memory')) {
      recs.push(
        memReq === null
          ? `Lower the memory request of ${name}`
          : `Lower the memory request of ${name} (currently ${formatMemory(memReq)} per pod)`,
      );
    }
    if (blockers.some((b) => b.startsWith('insufficient'))) {
      recs.push('Add node capacity (e.g. minikube start --cpus/--memory) or reduce the replica count');
    }
    const tainted = (snapshot.nodes ?? []).filter((n) => n.taints.length > 0);
    const taintText = tainted
      .flatMap((n) => n.taints.map((t) => `${t.key}${t.value ? `=${t.value}` : ''}:${t.effect} on ${n.name}`))
      .join(', ');
    if (blockers.includes('taint')) {
      recs.push(
        taintText
          ? `Add a toleration for the node taint (${taintText}) to ${name}, or remove the taint (kubectl taint nodes ... -)`
          : 'Add a toleration for the node taint or remove the taint',
      );
      for (const n of tainted) evidence.push(nodeEvidence(n));
    }
    if (blockers.includes('affinity'))
      recs.push('Fix the nodeSelector/affinity so it matches an existing node');
    const claims = (snapshot.pvcs ?? []).filter((c) => c.phase !== 'Bound');
    let volumeWhy = '';
    if (blockers.includes('volume')) {
      for (const c of claims) {
        const ev = distinctEvents(eventsOf(snapshot, c.name)).filter((e) => e.type === 'Warning')[0];
        evidence.push({
          kind: 'pvc',
          source: c.name,
          detail: `phase ${c.phase}${c.storageClass ? `, storageClass ${c.storageClass}` : ''}${c.requested ? `, requests ${c.requested}` : ''}`,
        });
        if (ev) evidence.push(eventEvidence(ev));
        volumeWhy = ` (PersistentVolumeClaim ${c.name} is ${c.phase}${ev ? `: ${ev.message}` : ''})`;
        recs.push(
          ev && /storageclass/i.test(ev.message)
            ? `Create the StorageClass the claim ${c.name} names${c.storageClass ? ` (${c.storageClass})` : ''} or change the claim to an existing one (minikube ships "standard")`
            : `Bind PersistentVolumeClaim ${c.name}: check its StorageClass and provisioner (kubectl describe pvc ${c.name})`,
        );
      }
      if (claims.length === 0) recs.push('Create or bind the PersistentVolumeClaim the pod uses');
    }
    if (blockers.includes('too-many-pods')) recs.push('Reduce pods on the node or add a node');
    if (blockers.includes('unschedulable-node')) recs.push('Uncordon the node (kubectl uncordon)');
    if (recs.length === 0)
      recs.push('Read the FailedScheduling event to see which constraint no node satisfies');

    const why =
      blockers.length > 0 ? unique(blockers.map((b) => WHY[b])).join(' and ') : 'the scheduler found no node';
    const subject = pods.length === 1 ? `Pod ${pods[0]} is` : `${pods.length} pods (${listNames(pods)}) are`;
    const taintNote = blockers.includes('taint') && taintText ? ` (${taintText})` : '';
    findings.push({
      rule: 'pending-unschedulable',
      severity: 'error',
      cause: blockers[0] ?? 'unknown',
      message: `${subject} Pending and cannot be scheduled: ${why}${taintNote}${volumeWhy} (FailedScheduling)`,
      recommendations: recs,
      evidence,
    });
  }

  if (unexplained.length > 0) {
    const names = unexplained.map((p) => p.name);
    const waiting = unique(unexplained.flatMap((p) => p.containers.map((c) => c.reason ?? c.state)));
    findings.push({
      rule: 'pending-unschedulable',
      severity: 'info',
      message: `${names.length === 1 ? `Pod ${names[0]} is` : `${names.length} pods (${listNames(names)}) are`} Pending with no scheduling failure reported${waiting.length > 0 ? ` (containers: ${waiting.join(', ')})` : ''}; they may still be starting`,
      recommendations: [
        'Re-check in a minute; if the pods stay Pending, inspect them with kubectl describe pod',
      ],
      evidence: unexplained.map(podEvidence),
    });
  }
  return findings;
}
