// What a tool-using agent (kubectl-ai, kagent's k8s-agent) does with a question about a deployment, reduced
// to something deterministic: read the pods, their events and the failing container's previous logs from
// the Kubernetes API, and write an answer that names what it saw. The doubles of both agents use it, so
// their answers come from the cluster (here: the Kubernetes API fixture), never from the test.

export type ClusterAccess = { server: string; token?: string };

type Pod = {
  metadata?: { name?: string };
  status?: {
    phase?: string;
    reason?: string;
    message?: string;
    conditions?: { type?: string; status?: string; reason?: string; message?: string }[];
    containerStatuses?: ContainerStatus[];
    initContainerStatuses?: ContainerStatus[];
  };
};
type ContainerStatus = {
  name?: string;
  restartCount?: number;
  state?: {
    waiting?: { reason?: string; message?: string };
    terminated?: { reason?: string; exitCode?: number };
  };
  lastState?: { terminated?: { reason?: string; exitCode?: number; message?: string } };
};
type Event = { type?: string; reason?: string; message?: string; involvedObject?: { name?: string } };

/** The deployment and namespace a question is about (`deployment "x" in namespace "y"`). */
export function subjectOf(prompt: string): { name: string | null; namespace: string } {
  const name = /deployments? "([^"]+)"/i.exec(prompt)?.[1] ?? null;
  const namespace = /namespace "([^"]+)"/i.exec(prompt)?.[1] ?? 'default';
  return { name, namespace };
}

async function get<T>(c: ClusterAccess, path: string, text = false): Promise<T | null> {
  const res = await fetch(`${c.server.replace(/\/+$/, '')}${path}`, {
    headers: c.token ? { authorization: `Bearer ${c.token}` } : {},
  });
  if (!res.ok) return null;
  return (text ? await res.text() : await res.json()) as T;
}

/** The kubectl commands an agent would run for this, in the order it runs them (printed by the CLI double). */
export function commandsFor(name: string, namespace: string): string[] {
  return [
    `kubectl get deployment ${name} -n ${namespace}`,
    `kubectl get pods -n ${namespace} -o wide`,
    `kubectl describe pods -n ${namespace}`,
    `kubectl logs -n ${namespace} --previous --tail=20`,
  ];
}

/** Reads the cluster and answers in prose with a bulleted list of fixes, citing pods, reasons and log lines. */
export async function investigate(c: ClusterAccess, prompt: string): Promise<string> {
  const { name, namespace } = subjectOf(prompt);
  if (!name) return 'I could not tell which deployment you mean; please name it.';
  const pods =
    (await get<{ items: Pod[] }>(c, `/api/v1/namespaces/${namespace}/pods`))?.items.filter((p) =>
      (p.metadata?.name ?? '').startsWith(`${name}-`),
    ) ?? [];
  const events = (await get<{ items: Event[] }>(c, `/api/v1/namespaces/${namespace}/events`))?.items ?? [];
  if (pods.length === 0) {
    const failed = events.find((e) => e.reason === 'FailedCreate');
    return failed
      ? `The deployment ${name} has no pods: its ReplicaSet cannot create them (${failed.message}).\n- Raise the ResourceQuota or lower the pod's requests/limits.`
      : `The deployment ${name} has no pods in namespace ${namespace}.`;
  }
  const lines: string[] = [];
  const fixes: string[] = [];
  for (const pod of pods.slice(0, 1)) {
    const pname = pod.metadata?.name ?? '';
    const st = pod.status ?? {};
    const sched = st.conditions?.find((x) => x.type === 'PodScheduled' && x.status === 'False');
    const statuses = [...(st.initContainerStatuses ?? []), ...(st.containerStatuses ?? [])];
    const bad = statuses.find(
      (s) => s.state?.waiting?.reason && s.state.waiting.reason !== 'PodInitializing',
    );
    if (st.reason) lines.push(`Pod ${pname} was ${st.reason}: ${st.message ?? ''}`);
    else if (sched) lines.push(`Pod ${pname} is Pending: ${sched.message ?? sched.reason}`);
    if (bad) {
      const w = bad.state?.waiting;
      lines.push(
        `Container ${bad.name} of pod ${pname} is in ${w?.reason}${w?.message ? ` (${w.message})` : ''}.`,
      );
      const last = bad.lastState?.terminated;
      if (last)
        lines.push(
          `Its last run ended with ${last.reason ?? 'an error'}, exit code ${last.exitCode}${last.message ? `: ${last.message}` : ''}.`,
        );
      const log = await get<string>(
        c,
        `/api/v1/namespaces/${namespace}/pods/${pname}/log?container=${bad.name}&previous=true&tailLines=20`,
        true,
      );
      const errLine = (log ?? '')
        .split('\n')
        .reverse()
        .find((l) => /error|panic|exception|refused|denied|not set|missing/i.test(l));
      if (errLine) lines.push(`The logs end with: ${errLine.trim()}`);
    }
    const warnings = events.filter((e) => e.type === 'Warning' && e.involvedObject?.name === pname);
    const latest = warnings[warnings.length - 1];
    if (latest) lines.push(`Latest warning event: ${latest.reason}: ${latest.message}`);
  }
  if (lines.length === 0) return `All ${pods.length} pods of ${name} are running and ready.`;
  fixes.push(`Fix the cause reported for ${name} above, then re-apply the deployment`);
  fixes.push(`Check with kubectl describe pod -n ${namespace} after the change`);
  return `${lines.join('\n')}\n\nRecommended fixes:\n${fixes.map((f) => `- ${f}`).join('\n')}`;
}

/** An answer that blames something the cluster does not show (a model hallucinating). */
export const HALLUCINATION =
  'The node is under DiskPressure, so the kubelet evicts the pods.\n- Free disk space on the node';
