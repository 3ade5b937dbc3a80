// RunContainerError / StartError: the runtime could not start the process at all (no such binary, not
// executable, wrong architecture). The process never ran, so there are no logs: the runtime's message is
// the evidence.
import type { ContainerStatus, PodSnapshot } from '@slipway/drivers';
import { listNames, unique } from '../../format.ts';
import type { Evidence, Finding } from '../../types.ts';
import { containerEvidence, distinctEvents, eventEvidence, eventsOf } from '../evidence.ts';
import { failedToStart, type RuleContext } from '../rule-context.ts';

export function explainStartError(text: string): { cause: string; why: string; recs: string[] } {
  const exec =
    /exec: "([^"]+)": (?:stat [^:]+: )?(no such file or directory|executable file not found in \$PATH|permission denied)/.exec(
      text,
    );
  if (exec) {
    const [, cmd = '', what = ''] = exec;
    if (/permission denied/.test(what))
      return {
        cause: 'not-executable',
        why: `the command ${cmd} is not executable`,
        recs: [`Make ${cmd} executable in the image (RUN chmod +x ${cmd}) and rebuild`],
      };
    return {
      cause: 'command-not-found',
      why: `the command ${cmd} does not exist in the image`,
      recs: [
        `Fix the container command/entrypoint, or build the image so that ${cmd} exists (check the Dockerfile's COPY/WORKDIR)`,
      ],
    };
  }
  if (/exec format error/.test(text))
    return {
      cause: 'wrong-architecture',
      why: 'the image was built for another CPU architecture (exec format error)',
      recs: [
        'Rebuild the image for the node architecture (docker buildx --platform linux/amd64,linux/arm64)',
      ],
    };
  return {
    cause: 'runtime',
    why: 'the container runtime could not start it',
    recs: [
      'Read the runtime error in the pod events (kubectl describe pod) and fix the command, mounts or security context',
    ],
  };
}

export function runContainerRule(ctx: RuleContext): Finding[] {
  const { snapshot } = ctx;
  const hits: { pod: PodSnapshot; container: ContainerStatus }[] = [];
  for (const pod of snapshot.pods)
    for (const c of pod.containers) if (failedToStart(c)) hits.push({ pod, container: c });
  if (hits.length === 0) return [];
  const first = hits[0];
  if (!first) return [];
  const text = [first.container.message, first.container.lastState?.message].filter(Boolean).join('\n');
  const { cause, why, recs } = explainStartError(text);
  const pods = unique(hits.map((h) => h.pod.name));
  const evidence: Evidence[] = hits.slice(0, 3).map((h) => containerEvidence(h.pod, h.container));
  for (const p of pods.slice(0, 1))
    for (const e of distinctEvents(eventsOf(snapshot, p))
      .filter((e) => e.reason === 'Failed')
      .slice(0, 1))
      evidence.push(eventEvidence(e));
  const subject = pods.length === 1 ? `Pod ${pods[0]}` : `${pods.length} pods (${listNames(pods)})`;
  return [
    {
      rule: 'run-container-error',
      severity: 'error',
      cause,
      message: `${subject} cannot start container ${first.container.name} (${first.container.reason ?? 'RunContainerError'}): ${why}`,
      recommendations: recs,
      evidence,
    },
  ];
}
