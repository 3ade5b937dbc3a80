// ImagePullBackOff / ErrImagePull: the node cannot get the image. The kubelet's message says which part of
// the reference failed (tag, repository/credentials, registry reachability); this rule translates it.
import type { ContainerStatus, PodSnapshot } from '@slipway/drivers';
import { listNames, unique } from '../../format.ts';
import { imageFromMessage, parseImageRef } from '../../image-ref.ts';
import type { Evidence, Finding } from '../../types.ts';
import { containerEvidence, distinctEvents, eventEvidence, eventsOf } from '../evidence.ts';
import { IMAGE_PULL_REASONS, type RuleContext } from '../rule-context.ts';

export type PullProblem =
  | 'invalid-name'
  | 'never-pull'
  | 'tag-not-found'
  | 'access-denied'
  | 'unreachable'
  | 'unknown';

export function classifyPullFailure(reason: string | undefined, text: string): PullProblem {
  if (reason === 'InvalidImageName' || /invalid reference format/i.test(text)) return 'invalid-name';
  if (reason === 'ErrImageNeverPull' || /pull policy of Never/i.test(text)) return 'never-pull';
  if (/manifest unknown|manifest for \S+ not found|not found: manifest|: not found\b/i.test(text)) {
    return 'tag-not-found';
  }
  if (
    /pull access denied|repository does not exist|requested access to the resource is denied|unauthorized|authentication required|403 Forbidden|insufficient_scope/i.test(
      text,
    )
  ) {
    return 'access-denied';
  }
  if (
    /no such host|dial tcp|i\/o timeout|connection refused|TLS handshake timeout|server misbehaving|network is unreachable|context deadline exceeded/i.test(
      text,
    )
  ) {
    return 'unreachable';
  }
  return 'unknown';
}

function explain(problem: PullProblem, image: string | null): { why: string; recs: string[] } {
  if (image === null) {
    return {
      why: 'the image could not be pulled',
      recs: [
        'Check the image name, tag and registry in the deployment (kubectl describe pod shows the pull error)',
      ],
    };
  }
  const ref = parseImageRef(image);
  const tag = ref.tag ?? ref.digest ?? 'latest';
  const localHint = `If the image was built locally, load it into the cluster (minikube image load ${image}) and set imagePullPolicy: IfNotPresent`;
  switch (problem) {
    case 'invalid-name':
      return {
        why: `"${image}" is not a valid image reference`,
        recs: [`Fix the image reference "${image}" (lowercase repository, one tag after ':')`],
      };
    case 'never-pull':
      return {
        why: `the image is not present on the node and imagePullPolicy is Never`,
        recs: [`Load the image into the cluster (minikube image load ${image}) or change imagePullPolicy`],
      };
    case 'tag-not-found':
      return {
        why: `tag "${tag}" of ${ref.repository} does not exist in registry ${ref.registry}`,
        recs: [
          `Push tag "${tag}" of ${ref.repository} to ${ref.registry}, or use a tag that exists`,
          localHint,
        ],
      };
    case 'access-denied':
      return {
        why: `repository ${ref.repository} does not exist in registry ${ref.registry} or requires credentials`,
        recs: [
          ref.implicitRegistry
            ? `The reference "${image}" names no registry, so it was looked up on Docker Hub; add the registry host to the image name`
            : `Check that repository ${ref.repository} exists on ${ref.registry}`,
          localHint,
          `If ${ref.registry} is private, add an imagePullSecret with credentials for it`,
        ],
      };
    case 'unreachable':
      return {
        why: `registry ${ref.registry} is unreachable from the node`,
        recs: [`Check network/DNS access from the cluster to ${ref.registry}`, localHint],
      };
    case 'unknown':
      return {
        why: `pulling "${image}" failed`,
        recs: [
          `Verify the image name "${ref.repository}", tag "${tag}" and registry ${ref.registry}`,
          localHint,
        ],
      };
  }
}

export function imagePullRule(ctx: RuleContext): Finding[] {
  const { snapshot } = ctx;
  type Hit = { pod: PodSnapshot; container: ContainerStatus; image: string | null; text: string };
  const hits: Hit[] = [];
  for (const pod of snapshot.pods) {
    const pullEvents = distinctEvents(eventsOf(snapshot, pod.name)).filter((e) =>
      /pull/i.test(`${e.reason} ${e.message}`),
    );
    for (const container of pod.containers) {
      if (container.state !== 'waiting' || !IMAGE_PULL_REASONS.includes(container.reason ?? '')) continue;
      const texts = [container.message ?? '', ...pullEvents.map((e) => e.message)];
      const image = texts.map(imageFromMessage).find((i) => i !== null) ?? null;
      hits.push({ pod, container, image, text: texts.join('\n') });
    }
  }
  // One finding per image: ten replicas failing on the same tag are one problem.
  const byImage = new Map<string, Hit[]>();
  for (const h of hits) byImage.set(h.image ?? '', [...(byImage.get(h.image ?? '') ?? []), h]);

  const findings: Finding[] = [];
  for (const [key, group] of byImage) {
    const image = key === '' ? null : key;
    const first = group[0];
    if (!first) continue;
    const problem = classifyPullFailure(first.container.reason, group.map((g) => g.text).join('\n'));
    const { why, recs } = explain(problem, image);
    const pods = unique(group.map((g) => g.pod.name));
    const evidence: Evidence[] = group.map((g) => containerEvidence(g.pod, g.container));
    for (const pod of pods) {
      const failed = distinctEvents(eventsOf(snapshot, pod)).filter(
        (e) => e.type === 'Warning' && /pull/i.test(`${e.reason} ${e.message}`),
      );
      for (const e of failed.slice(0, 2)) evidence.push(eventEvidence(e));
    }
    const subject = pods.length === 1 ? `Pod ${pods[0]}` : `${pods.length} pods (${listNames(pods)})`;
    const imageText = image === null ? 'its image' : `image "${image}"`;
    findings.push({
      rule: 'image-pull',
      severity: 'error',
      cause: problem,
      message: `${subject} cannot pull ${imageText} (${first.container.reason}): ${why}`,
      recommendations: recs,
      evidence,
    });
  }
  return findings;
}
