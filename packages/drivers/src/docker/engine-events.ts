// The engine's JSON-lines progress stream (build, pull, push) and how its failures become DriverErrors.
// The engine answers 200 before a build or push has run, so a failure arrives as an `error`/`errorDetail`
// line inside the stream, never as an HTTP status: every stream must be checked line by line.
import { DriverError } from '../types.ts';

export type EngineEvent = {
  stream?: string;
  status?: string;
  id?: string;
  progress?: string;
  progressDetail?: { current?: number; total?: number };
  error?: string;
  errorDetail?: { message?: string; code?: number };
  aux?: { ID?: string; Digest?: string; Tag?: string; Size?: number };
};

/** The failure message an event carries, or null. */
export function eventError(event: EngineEvent): string | null {
  const message = event.errorDetail?.message ?? event.error;
  return message === undefined ? null : message.trim();
}

/** Human lines an event contributes to the operation log: build output, or pull/push status without byte-level progress. */
export function eventLogLines(event: EngineEvent): string[] {
  if (event.stream !== undefined) {
    return event.stream
      .split(/\r?\n/)
      .map((l) => l.trimEnd())
      .filter((l) => l.length > 0);
  }
  // Byte counters ("Downloading [==>   ]") arrive many times a second; they would flood the event table.
  if (event.status !== undefined && event.progressDetail?.current === undefined) {
    return [event.id ? `${event.id}: ${event.status}` : event.status];
  }
  return [];
}

/** Percent done from a classic-builder step line ("Step 2/5 : COPY ..."), or null. */
export function stepProgress(line: string): number | null {
  const m = /^Step (\d+)\/(\d+) :/.exec(line);
  if (!m) return null;
  const step = Number(m[1]);
  const total = Number(m[2]);
  if (!(total > 0)) return null;
  return Math.round(((step - 1) / total) * 100);
}

/** Splits a JSON-lines byte stream into events; a line that is not JSON becomes a `stream` event. */
export function readEngineStream(
  stream: NodeJS.ReadableStream,
  signal: AbortSignal,
  onEvent: (event: EngineEvent) => void,
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let buffered = '';
    const emit = (line: string) => {
      if (line.trim().length === 0) return;
      try {
        onEvent(JSON.parse(line) as EngineEvent);
      } catch {
        onEvent({ stream: line });
      }
    };
    const onAbort = () => {
      cleanup();
      // Closing the connection is what makes the engine cancel a running build.
      if ('destroy' in stream && typeof stream.destroy === 'function') stream.destroy();
      reject(signal.reason);
    };
    const onData = (chunk: Buffer | string) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const l of lines) emit(l);
    };
    const onEnd = () => {
      cleanup();
      emit(buffered);
      resolve();
    };
    const onError = (err: Error) => {
      cleanup();
      reject(err);
    };
    const cleanup = () => {
      signal.removeEventListener('abort', onAbort);
      stream.removeListener('data', onData);
      stream.removeListener('end', onEnd);
      stream.removeListener('error', onError);
    };
    if (signal.aborted) {
      onAbort();
      return;
    }
    signal.addEventListener('abort', onAbort, { once: true });
    stream.on('data', onData);
    stream.on('end', onEnd);
    stream.on('error', onError);
  });
}

type EngineHttpError = {
  statusCode?: number;
  code?: string;
  json?: { message?: string } | null;
  message?: string;
};

function asEngineError(err: unknown): EngineHttpError {
  return typeof err === 'object' && err !== null ? (err as EngineHttpError) : { message: String(err) };
}

/** The engine's own message from a dockerode error ("(HTTP code 404) no such image - ..." -> "No such image: x"). */
export function engineMessage(err: unknown): string {
  const e = asEngineError(err);
  const fromJson = e.json && typeof e.json.message === 'string' ? e.json.message : undefined;
  return (fromJson ?? e.message ?? 'unknown engine error').trim();
}

// Socket-level failures talking to the engine itself: the daemon is down or restarting.
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ENOENT', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH']);

/** Maps a dockerode error to a DriverError. `what` prefixes the message ("inspect x", "remove y"). */
export function driverErrorFromEngine(err: unknown, what: string): DriverError {
  if (err instanceof DriverError) return err;
  const e = asEngineError(err);
  const message = `${what}: ${engineMessage(err)}`;
  if (e.code !== undefined && SOCKET_CODES.has(e.code)) {
    return new DriverError('engine_unreachable', `Docker engine unreachable (${e.code}) during ${message}`, {
      retryable: true,
      cause: err,
    });
  }
  if (e.code === 'EACCES') {
    return new DriverError('engine_unreachable', `permission denied on the Docker socket during ${message}`, {
      retryable: false,
      cause: err,
    });
  }
  switch (e.statusCode) {
    case 404:
      return new DriverError('image_not_found', message, { retryable: false, cause: err });
    case 409:
      return new DriverError('conflict', message, { retryable: false, cause: err });
    case 400:
      return new DriverError('bad_request', message, { retryable: false, cause: err });
    default:
      // 500s are mostly the daemon relaying a registry or storage hiccup; worth another attempt.
      return new DriverError('engine_error', message, { retryable: true, cause: err });
  }
}

const REGISTRY_NOT_FOUND = /not found|does not exist|manifest unknown|no such image/i;
const REGISTRY_DENIED = /denied|unauthorized|authentication required|forbidden/i;
const NETWORK =
  /dial tcp|no such host|connection refused|i\/o timeout|timeout|TLS handshake|network is unreachable|connection reset|EOF/i;

/**
 * Classifies a registry failure relayed by the engine (pull or push). A missing or forbidden image will not
 * appear by retrying; an unreachable registry might.
 */
export function registryError(
  message: string,
  op: 'pull' | 'push',
  ref: string,
  cause?: unknown,
): DriverError {
  const text = `${op} ${ref} failed: ${message}`;
  // "pull access denied ..., repository does not exist" names both: it is permanent either way.
  if (REGISTRY_DENIED.test(message)) {
    return new DriverError(`${op}_denied`, text, { retryable: false, cause });
  }
  if (REGISTRY_NOT_FOUND.test(message)) {
    return new DriverError('image_not_found', text, { retryable: false, cause });
  }
  if (NETWORK.test(message)) {
    return new DriverError('registry_unreachable', text, { retryable: true, cause });
  }
  return new DriverError(`${op}_failed`, text, { retryable: true, cause });
}
