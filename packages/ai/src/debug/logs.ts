// What a dying process said, read the way an operator reads it: the line that names the cause (a refused
// connection, a name that does not resolve, a permission, a port in use, a panic, an exception) and what
// to do about it. Missing environment variables are crash-loop.ts's (findMissingEnv), checked first.
import { unique } from '../format.ts';

export type LogCause =
  | { kind: 'connection-refused'; target: string | null }
  | { kind: 'dns'; host: string | null }
  | { kind: 'permission-denied'; path: string | null }
  | { kind: 'address-in-use'; port: string | null }
  | { kind: 'traceback'; exception: string }
  | { kind: 'panic'; message: string }
  | { kind: 'termination-message'; message: string };

export type LogReading = { cause: LogCause; lines: string[] };

type Matcher = { re: RegExp; make: (line: string, all: string[]) => LogCause };

const HOST_PORT = /((?:\d{1,3}\.){3}\d{1,3}|\[[0-9a-f:]+\]|[a-z0-9][\w.-]*):(\d{2,5})\b/i;

const MATCHERS: Matcher[] = [
  {
    re: /ECONNREFUSED|connection refused|Connection refused|could not connect to server/,
    make: (line) => {
      const m = HOST_PORT.exec(line.replace(/^.*?(?:ECONNREFUSED|refused)\s*/i, ''));
      const target = m ? `${m[1]}:${m[2]}` : (HOST_PORT.exec(line)?.[0] ?? null);
      return { kind: 'connection-refused', target };
    },
  },
  {
    re: /ENOTFOUND|EAI_AGAIN|getaddrinfo|no such host|Name or service not known|Temporary failure in name resolution|could not translate host name|UnknownHostException/,
    make: (line) => {
      const m =
        /(?:ENOTFOUND|EAI_AGAIN)\s+([\w.-]+)/.exec(line) ??
        /lookup ([\w.-]+)/.exec(line) ??
        /host name "([\w.-]+)"/.exec(line) ??
        /UnknownHostException: ([\w.-]+)/.exec(line);
      return { kind: 'dns', host: m?.[1] ?? null };
    },
  },
  {
    re: /EACCES|EPERM|[Pp]ermission denied|Operation not permitted|AccessDeniedException/,
    make: (line) => {
      const m =
        /(?:open|mkdir|access|scandir|unlink|stat)\s+'([^']+)'/.exec(line) ?? /'(\/[^']+)'/.exec(line);
      const alt = /(\/[\w./-]+)/.exec(line);
      return { kind: 'permission-denied', path: m?.[1] ?? alt?.[1] ?? null };
    },
  },
  {
    re: /EADDRINUSE|[Aa]ddress already in use|port is already allocated|bind: address/,
    make: (line) => {
      const m = /:(\d{2,5})\b(?!.*:\d)/.exec(line) ?? /port (\d{2,5})/.exec(line);
      return { kind: 'address-in-use', port: m?.[1] ?? null };
    },
  },
  {
    re: /^Traceback \(most recent call last\)/,
    make: (_line, all) => {
      const exc = [...all].reverse().find((l) => /^[\w.]+(?:Error|Exception|Exit)\b/.test(l.trim()));
      return { kind: 'traceback', exception: (exc ?? 'an uncaught Python exception').trim() };
    },
  },
  {
    re: /^panic: |^fatal error: |Exception in thread "main"|^Unhandled exception|^thread '.*' panicked at/,
    make: (line) => ({ kind: 'panic', message: line.trim() }),
  },
];

/** The most telling cause in the log lines (first matcher in order that hits), with the lines it rests on. */
export function readLogs(lines: string[]): LogReading | null {
  for (const m of MATCHERS) {
    const hits = lines.filter((l) => m.re.test(l));
    const first = hits[0];
    if (first === undefined) continue;
    const cause = m.make(first, lines);
    const cited = cause.kind === 'traceback' ? [first, cause.exception] : hits.slice(0, 2);
    return { cause, lines: unique(cited.map((l) => l.trim())) };
  }
  return null;
}

export function describeLogCause(c: LogCause): string {
  switch (c.kind) {
    case 'connection-refused':
      return c.target
        ? `a dependency refusing connections (${c.target}: connection refused)`
        : 'a dependency refusing connections (connection refused)';
    case 'dns':
      return c.host
        ? `a DNS failure: host "${c.host}" does not resolve`
        : 'a DNS failure: a host name does not resolve';
    case 'permission-denied':
      return c.path ? `permission denied on ${c.path}` : 'permission denied';
    case 'address-in-use':
      return c.port ? `port ${c.port} already being in use` : 'its listen address already being in use';
    case 'traceback':
      return `an uncaught Python exception (${c.exception})`;
    case 'panic':
      return `a crash of the process (${c.message})`;
    case 'termination-message':
      return `the error it reported on exit (${c.message})`;
  }
}

export function logCauseRecommendations(c: LogCause, container: string): string[] {
  switch (c.kind) {
    case 'connection-refused':
      return [
        c.target
          ? `Make sure the service behind ${c.target} is running and ready before ${container} starts (check its pods and Service endpoints)`
          : `Make sure the dependency ${container} connects to is running and ready`,
        'Retry the connection with backoff at startup instead of exiting, or gate startup with an init container',
      ];
    case 'dns':
      return [
        c.host
          ? `Check that a Service named by "${c.host}" exists in that namespace (kubectl get svc), or fix the host name in the configuration`
          : 'Check the host names in the configuration against existing Services',
        'Check cluster DNS (kubectl -n kube-system get pods -l k8s-app=kube-dns)',
      ];
    case 'permission-denied':
      return [
        c.path
          ? `Make ${c.path} writable by the container user: set securityContext.fsGroup / runAsUser, or mount a writable volume there`
          : 'Run the container as a user that may access the files it needs (securityContext.runAsUser / fsGroup)',
      ];
    case 'address-in-use':
      return [
        c.port
          ? `Another process in the pod already listens on port ${c.port}: give each container its own port (containerPort must match what the app binds)`
          : 'Give each process in the pod its own port',
      ];
    case 'traceback':
      return [
        `Fix the exception in the application (${c.exception}); if it is a missing module, add it to the image's dependencies and rebuild`,
        'Check application logs for specific error messages (kubectl logs --previous)',
      ];
    case 'panic':
      return [
        'Fix the crash in the application code (the stack trace in the previous container logs points at the line)',
        'Check application logs for specific error messages (kubectl logs --previous)',
      ];
    case 'termination-message':
      return [
        `Fix what the container reported on exit: ${c.message}`,
        'Check application logs for specific error messages (kubectl logs --previous)',
      ];
  }
}
