// CrashLoopBackOff: the container starts and dies. The interesting part is WHY, which the kubelet only
// hints at (exit code, OOMKilled); the process's own last words are in the logs.
import type { ContainerStatus, PodSnapshot } from '@slipway/drivers';
import { formatMemory, listNames, unique } from '../../format.ts';
import type { Evidence, Finding } from '../../types.ts';
import {
  containerEvidence,
  distinctEvents,
  errorLines,
  eventEvidence,
  eventsOf,
  logEvidence,
  logSource,
} from '../evidence.ts';
import { describeLogCause, type LogCause, logCauseRecommendations, readLogs } from '../logs.ts';
import { isCrashing, isEvicted, type RuleContext } from '../rule-context.ts';

export type CrashCause =
  | { kind: 'oom' }
  | { kind: 'missing-env'; vars: string[] }
  | { kind: 'log'; log: LogCause; lines: string[] }
  | { kind: 'exit-code'; code: number | undefined };

/** The rule's machine-readable cause: `oom`, `missing-env`, a log cause kind, or `exit-code`. */
export function crashCauseCode(c: CrashCause): string {
  return c.kind === 'log' ? c.log.kind : c.kind;
}

// Phrases apps print when configuration from the environment is absent (node, python, go, java styles).
const MISSING_ENV_PATTERNS: RegExp[] = [
  /\b(?:missing|required|undefined|unset)\b.*\benv(?:ironment)?[ _-]?var(?:iable)?s?\b/i,
  /\benv(?:ironment)?[ _-]?var(?:iable)?s?\b.*\b(?:missing|required|not set|not defined|undefined|unset|must be set|is empty|not found)\b/i,
  /\bKeyError: ['"][A-Z][A-Z0-9_]*['"]/,
  /\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\b.{0,30}\b(?:is not set|not set|must be set|is required|is missing|is undefined|not defined|[Ff]ield required)\b/,
];

const VAR_NAME_PATTERNS: RegExp[] = [
  /\bvariables?:?\s+['"`]?([A-Z][A-Z0-9_]+)/g,
  /KeyError: ['"]([A-Z][A-Z0-9_]*)['"]/g,
  /['"`]([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)['"`]/g,
  /\b([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)\b/g,
];

const NOT_VARS = new Set(['ERROR', 'WARN', 'WARNING', 'INFO', 'DEBUG', 'FATAL', 'CRITICAL', 'ENV']);

/** Lines that say an environment variable is missing, plus the variable names they mention. */
export function findMissingEnv(lines: string[]): { lines: string[]; vars: string[] } {
  const hits: string[] = [];
  const vars: string[] = [];
  for (const line of lines) {
    if (!MISSING_ENV_PATTERNS.some((re) => re.test(line))) continue;
    hits.push(line);
    for (const re of VAR_NAME_PATTERNS) {
      for (const m of line.matchAll(re)) {
        const v = m[1];
        if (v && !NOT_VARS.has(v)) vars.push(v);
      }
    }
  }
  // pydantic-settings (FastAPI apps) prints the field on its own line above "Field required".
  if (lines.some((l) => /validation errors? for \w*(?:Settings|Config|Env)\b/.test(l))) {
    lines.forEach((line, i) => {
      const prev = lines[i - 1];
      const field = prev === undefined ? null : /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*$/.exec(prev);
      if (/^\s*Field required/.test(line) && field?.[1]) {
        hits.push(`${prev?.trim()}: ${line.trim()}`);
        vars.push(field[1].toUpperCase());
      }
    });
  }
  return { lines: unique(hits), vars: unique(vars) };
}

export type Crash = { pod: PodSnapshot; container: ContainerStatus };

/** The kubelet killed the pod's container for failing its liveness probe (Killing / Unhealthy events). */
export function killedByLiveness(snapshot: RuleContext['snapshot'], pod: PodSnapshot): boolean {
  return eventsOf(snapshot, pod.name).some(
    (e) =>
      (e.reason === 'Killing' && /liveness probe/i.test(e.message)) ||
      (e.reason === 'Unhealthy' && /^Liveness probe/i.test(e.message)),
  );
}

export function crashCause(crashes: Crash[], logLines: string[]): CrashCause {
  // The kubelet's verdict beats anything the logs suggest: an OOM kill prints nothing of its own. Exit 137
  // alone is any SIGKILL (a liveness kill too); only the OOMKilled reason means the memory limit.
  const oom = crashes.find(
    ({ container: c }) =>
      c.reason === 'OOMKilled' ||
      c.lastState?.reason === 'OOMKilled' ||
      /last state: Terminated, reason: OOMKilled/.test(c.message ?? ''),
  );
  if (oom) return { kind: 'oom' };
  const messages = crashes
    .flatMap(({ container: c }) => [c.message ?? '', c.lastState?.message ?? ''])
    .filter((m) => m !== '');
  const fromMessages = findMissingEnv(messages);
  const fromLogs = findMissingEnv(logLines);
  if (fromMessages.lines.length > 0 || fromLogs.lines.length > 0) {
    return { kind: 'missing-env', vars: unique([...fromMessages.vars, ...fromLogs.vars]) };
  }
  const reading = readLogs(logLines);
  if (reading) return { kind: 'log', log: reading.cause, lines: reading.lines };
  // The termination message (terminationMessagePath, or the runtime's error) is the process's last word.
  const termination = crashes.map(({ container: c }) => c.lastState?.message).find((m) => !!m);
  if (termination) {
    const fromTermination = readLogs([termination]);
    if (fromTermination) return { kind: 'log', log: fromTermination.cause, lines: fromTermination.lines };
    return { kind: 'log', log: { kind: 'termination-message', message: termination }, lines: [] };
  }
  const code = crashes
    .map(({ container: c }) => c.lastState?.exitCode ?? c.exitCode)
    .find((c) => c !== undefined);
  return { kind: 'exit-code', code };
}

function describeCause(cause: CrashCause, memoryLimitMiB: number | null): string {
  switch (cause.kind) {
    case 'oom':
      return memoryLimitMiB === null
        ? 'the container was OOMKilled (exit code 137): it exceeds its memory limit'
        : `the container was OOMKilled (exit code 137): it exceeds its ${formatMemory(memoryLimitMiB)} memory limit`;
    case 'missing-env':
      return cause.vars.length > 0
        ? `missing environment variables (${cause.vars.join(', ')})`
        : 'missing environment variables';
    case 'log':
      return describeLogCause(cause.log);
    case 'exit-code':
      switch (cause.code) {
        case undefined:
          return 'an unknown reason (no exit code reported)';
        case 0:
          return 'its main process exiting successfully (exit code 0) instead of running';
        case 1:
          return 'an application error (exit code 1)';
        case 126:
          return 'its command not being executable (exit code 126)';
        case 127:
          return 'its command not being found in the image (exit code 127)';
        case 137:
          return 'being killed with SIGKILL (exit code 137, not an OOM kill: the reason is not OOMKilled)';
        case 139:
          return 'a segmentation fault (exit code 139)';
        case 143:
          return 'being terminated by SIGTERM (exit code 143)';
        default:
          return `the process exiting with code ${cause.code}`;
      }
  }
}

function recommendationsFor(cause: CrashCause, container: string, memoryLimitMiB: number | null): string[] {
  switch (cause.kind) {
    case 'oom':
      return [
        memoryLimitMiB === null
          ? `Increase the memory limit of container ${container}`
          : `Increase the memory limit of container ${container} (currently ${formatMemory(memoryLimitMiB)})`,
        'Check the application for memory leaks or reduce its memory footprint',
      ];
    case 'missing-env':
      return [
        cause.vars.length > 0
          ? `Add missing environment variables to deployment configuration (${cause.vars.join(', ')})`
          : 'Add missing environment variables to deployment configuration',
        'Check application logs for specific error messages',
      ];
    case 'log':
      return logCauseRecommendations(cause.log, container);
    case 'exit-code':
      if (cause.code === 126 || cause.code === 127) {
        return [
          `Check the command/entrypoint of container ${container} and that the binary exists in the image`,
          'Check application logs for specific error messages',
        ];
      }
      if (cause.code === 0) {
        return ['Run a long-lived foreground process: a Deployment restarts containers whose process exits'];
      }
      return [
        'Check application logs for specific error messages (kubectl logs --previous)',
        'Reproduce locally with the same image and environment (docker run) to see the failure',
      ];
  }
}

export function crashLoopRule(ctx: RuleContext): Finding[] {
  const { snapshot } = ctx;
  const crashes: Crash[] = [];
  for (const pod of snapshot.pods) {
    // Evicted pods' containers were stopped by the node (pod-evicted); liveness kills are liveness-failure's.
    if (isEvicted(pod) || killedByLiveness(snapshot, pod)) continue;
    for (const container of pod.containers) if (isCrashing(container)) crashes.push({ pod, container });
  }
  if (crashes.length === 0) return [];

  const src = logSource(snapshot);
  const byContainer = new Map<string, Crash[]>();
  for (const c of crashes)
    byContainer.set(c.container.name, [...(byContainer.get(c.container.name) ?? []), c]);

  const findings: Finding[] = [];
  for (const [containerName, group] of byContainer) {
    // Logs belong to one container; they only explain the group that container is in.
    const logsApply =
      src !== null && src.container.name === containerName && group.some((g) => g.pod === src.pod);
    const logLines = logsApply ? (snapshot.logs ?? []) : [];
    const logSrc = src ? `${src.pod.name}/${src.container.name}` : '';
    const cause = crashCause(group, logLines);

    const evidence: Evidence[] = group.map(({ pod, container }) => containerEvidence(pod, container));
    if (cause.kind === 'missing-env') {
      for (const line of findMissingEnv(logLines).lines) evidence.push(logEvidence(logSrc, line));
    } else if (cause.kind === 'log' && cause.lines.length > 0 && logLines.length > 0) {
      for (const line of cause.lines) evidence.push(logEvidence(logSrc, line));
    } else {
      for (const line of errorLines(logLines)) evidence.push(logEvidence(logSrc, line));
    }
    for (const { pod } of group) {
      const backoff = distinctEvents(eventsOf(snapshot, pod.name)).filter(
        (e) => e.reason === 'BackOff' || e.reason === 'OOMKilling' || /OOM/i.test(e.message),
      );
      for (const e of backoff.slice(0, 1)) evidence.push(eventEvidence(e));
    }

    const pods = unique(group.map((g) => g.pod));
    const inLoop = group.some((g) => g.container.state === 'waiting');
    const limit = group.find((g) => g.pod.memoryLimitMiB !== null)?.pod.memoryLimitMiB ?? null;
    const subject =
      pods.length === 1
        ? `Pod ${pods[0]?.name}`
        : `${pods.length} pods (${listNames(pods.map((p) => p.name))})`;
    const verb = inLoop
      ? pods.length === 1
        ? 'is in CrashLoopBackOff'
        : 'are in CrashLoopBackOff'
      : 'crashed';
    const conn = cause.kind === 'oom' ? 'because' : 'due to';
    findings.push({
      rule: 'crash-loop-backoff',
      severity: 'error',
      cause: crashCauseCode(cause),
      message: `${subject} ${verb} ${conn} ${describeCause(cause, limit)}`,
      recommendations: recommendationsFor(cause, containerName, limit),
      evidence,
    });
  }
  return findings;
}
