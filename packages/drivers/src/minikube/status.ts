// Parsing `minikube status -p X -o json`. Its exit code is a bit-field (1 host, 2 cluster, 4 kubeconfig
// not OK), so a stopped cluster exits 7 with a perfectly good JSON body; an unknown profile exits 85 with
// plain text. The JSON decides the state; the exit code only adds detail.
import type { ClusterObservation } from '../types.ts';

export const EXIT_PROFILE_NOT_FOUND = 85;

export type MinikubeStatus = {
  Name: string;
  Host: string;
  Kubelet: string;
  APIServer: string;
  Kubeconfig: string;
  Worker?: boolean;
};

function isStatus(v: unknown): v is MinikubeStatus {
  return typeof v === 'object' && v !== null && typeof (v as { Host?: unknown }).Host === 'string';
}

/** The JSON object in stdout (warnings may precede it; multi-node clusters print an array). */
export function extractStatusJson(stdout: string): MinikubeStatus | null {
  const start = stdout.search(/^[[{]/m);
  if (start < 0) return null;
  try {
    const parsed: unknown = JSON.parse(stdout.slice(start));
    if (Array.isArray(parsed))
      return parsed.find((n) => isStatus(n) && !n.Worker) ?? parsed.find(isStatus) ?? null;
    return isStatus(parsed) ? parsed : null;
  } catch {
    return null;
  }
}

export function describeStatusBits(exitCode: number): string[] {
  const out: string[] = [];
  if (exitCode & 1) out.push('host not running');
  if (exitCode & 2) out.push('cluster not running');
  if (exitCode & 4) out.push('kubeconfig not configured');
  return out;
}

export function parseMinikubeStatus(
  stdout: string,
  exitCode: number,
  kubeContext: string,
): ClusterObservation {
  const firstLine = stdout.trim().split('\n')[0] ?? '';
  if (exitCode === EXIT_PROFILE_NOT_FOUND)
    return { status: 'absent', kubeContext, detail: firstLine || 'profile not found' };
  const s = extractStatusJson(stdout);
  if (!s) {
    return {
      status: 'error',
      kubeContext,
      detail: `minikube status exited ${exitCode} without a status: ${firstLine}`,
    };
  }
  const fields = `host ${s.Host}, kubelet ${s.Kubelet}, apiserver ${s.APIServer}, kubeconfig ${s.Kubeconfig}`;
  if (s.Host === 'Nonexistent') return { status: 'absent', kubeContext, detail: fields };
  if (s.Host === 'Stopped') return { status: 'stopped', kubeContext, detail: fields };
  if (
    s.Host === 'Running' &&
    s.Kubelet === 'Running' &&
    s.APIServer === 'Running' &&
    s.Kubeconfig === 'Configured'
  ) {
    return { status: 'running', kubeContext };
  }
  const bits = describeStatusBits(exitCode);
  return { status: 'error', kubeContext, detail: `${fields}${bits.length ? ` (${bits.join(', ')})` : ''}` };
}
