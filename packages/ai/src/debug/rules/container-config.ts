// CreateContainerConfigError: the pod references a Secret/ConfigMap (or a key in one) that does not exist,
// so the kubelet cannot even build the container. The missing object's name is in the message.
import type { ContainerStatus, PodSnapshot } from '@slipway/drivers';
import { listNames, unique } from '../../format.ts';
import type { Evidence, Finding } from '../../types.ts';
import { containerEvidence, distinctEvents, eventEvidence, eventsOf } from '../evidence.ts';
import { CONFIG_REASONS, type RuleContext } from '../rule-context.ts';

export type MissingRef =
  | { kind: 'secret' | 'configmap'; name: string }
  | { kind: 'key'; key: string; objectKind: string; name: string }
  | { kind: 'unknown' };

export function parseConfigError(text: string): MissingRef {
  const obj = /\b(secret|configmap)s? "([^"]+)" not found/i.exec(text);
  if (obj?.[1] && obj[2])
    return { kind: obj[1].toLowerCase() === 'secret' ? 'secret' : 'configmap', name: obj[2] };
  const key = /couldn't find key (\S+) in (Secret|ConfigMap) (?:[\w.-]+\/)?([\w.-]+)/i.exec(text);
  if (key?.[1] && key[2] && key[3]) return { kind: 'key', key: key[1], objectKind: key[2], name: key[3] };
  return { kind: 'unknown' };
}

function explain(ref: MissingRef): { why: string; recs: string[] } {
  switch (ref.kind) {
    case 'secret':
      return {
        why: `Secret "${ref.name}" does not exist`,
        recs: [
          `Create Secret "${ref.name}" in the deployment's namespace (kubectl create secret generic ${ref.name} --from-literal=KEY=value)`,
          `Or fix the secret name referenced by the deployment's env/envFrom/volumes`,
        ],
      };
    case 'configmap':
      return {
        why: `ConfigMap "${ref.name}" does not exist`,
        recs: [
          `Create ConfigMap "${ref.name}" in the deployment's namespace (kubectl create configmap ${ref.name} --from-literal=KEY=value)`,
          `Or fix the ConfigMap name referenced by the deployment's env/envFrom/volumes`,
        ],
      };
    case 'key':
      return {
        why: `key "${ref.key}" is missing from ${ref.objectKind} "${ref.name}"`,
        recs: [
          `Add key "${ref.key}" to ${ref.objectKind} "${ref.name}", or fix the key the deployment references`,
        ],
      };
    case 'unknown':
      return {
        why: 'the container configuration is invalid',
        recs: [
          'Check the Secrets, ConfigMaps and volume references of the deployment (kubectl describe pod)',
        ],
      };
  }
}

export function containerConfigRule(ctx: RuleContext): Finding[] {
  const { snapshot } = ctx;
  type Hit = { pod: PodSnapshot; container: ContainerStatus; text: string };
  const hits: Hit[] = [];
  for (const pod of snapshot.pods) {
    const failed = distinctEvents(eventsOf(snapshot, pod.name)).filter((e) => e.type === 'Warning');
    for (const container of pod.containers) {
      if (container.state !== 'waiting' || !CONFIG_REASONS.includes(container.reason ?? '')) continue;
      hits.push({
        pod,
        container,
        text: [container.message ?? '', ...failed.map((e) => e.message)].join('\n'),
      });
    }
  }
  const byRef = new Map<string, { ref: MissingRef; hits: Hit[] }>();
  for (const h of hits) {
    const ref = parseConfigError(h.text);
    const key = JSON.stringify(ref);
    const entry = byRef.get(key) ?? { ref, hits: [] };
    entry.hits.push(h);
    byRef.set(key, entry);
  }
  const findings: Finding[] = [];
  for (const { ref, hits: group } of byRef.values()) {
    const first = group[0];
    if (!first) continue;
    const { why, recs } = explain(ref);
    const pods = unique(group.map((g) => g.pod.name));
    const evidence: Evidence[] = group.map((g) => containerEvidence(g.pod, g.container));
    for (const pod of pods) {
      const related = distinctEvents(eventsOf(snapshot, pod)).filter(
        (e) =>
          e.type === 'Warning' && /not found|couldn't find|CreateContainer/i.test(`${e.reason} ${e.message}`),
      );
      for (const e of related.slice(0, 2)) evidence.push(eventEvidence(e));
    }
    const subject = pods.length === 1 ? `Pod ${pods[0]}` : `${pods.length} pods (${listNames(pods)})`;
    findings.push({
      rule: 'create-container-config',
      severity: 'error',
      cause: ref.kind,
      message: `${subject} cannot create container ${first.container.name} (${first.container.reason}): ${why}`,
      recommendations: recs,
      evidence,
    });
  }
  return findings;
}
