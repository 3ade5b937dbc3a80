import { DriverError } from './types.ts';

export type Probe = { reachable: boolean; version?: string | undefined; detail?: string | undefined };

export type ProbeGateOptions = {
  /** What the error names, e.g. "docker engine", "minikube". */
  tool: string;
  probe: () => Promise<Probe>;
  /** The probe already made at start. */
  initial: Probe;
  /** A reachable tool is re-probed after this long (ms). */
  healthyTtlMs?: number;
  /** An unreachable one is re-probed at most this often (ms); calls in between fail at once. */
  failedTtlMs?: number;
  /** Which calls need the tool (default all): a kubeconfig cluster needs no minikube binary. */
  needsTool?: (args: unknown[]) => boolean;
};

/**
 * Fail closed, recover by itself: wraps a real adapter so that every call first knows whether its
 * tool answers. While the tool is unreachable (the Docker daemon restarting, minikube not installed
 * yet) each operation fails with a clear, retryable `tool_unavailable` error — never a silent switch
 * to the simulator — and the tool is probed again, at most every `failedTtlMs`, until it answers.
 * Every adapter method is async, so each is wrapped the same way; plain properties (`kind`) pass.
 */
export function probeGate<T extends object>(adapter: T, o: ProbeGateOptions): T {
  const healthyTtl = o.healthyTtlMs ?? 30_000;
  const failedTtl = o.failedTtlMs ?? 2_000;
  let last = { probe: o.initial, at: Date.now() };
  let inflight: Promise<Probe> | null = null;
  const reprobe = () => {
    inflight ??= o
      .probe()
      .catch(
        (e: unknown): Probe => ({ reachable: false, detail: e instanceof Error ? e.message : String(e) }),
      )
      .then((p) => {
        last = { probe: p, at: Date.now() };
        return p;
      })
      .finally(() => {
        inflight = null;
      });
    return inflight;
  };
  const ensure = async () => {
    const age = Date.now() - last.at;
    let p = last.probe;
    if ((p.reachable && age >= healthyTtl) || (!p.reachable && age >= failedTtl)) p = await reprobe();
    if (!p.reachable) {
      throw new DriverError(
        'tool_unavailable',
        `${o.tool} is not reachable${p.detail ? `: ${p.detail}` : ''} (retryable: it is probed again)`,
        { retryable: true },
      );
    }
  };
  return new Proxy(adapter, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target);
      if (typeof value !== 'function') return value;
      return async (...args: unknown[]) => {
        if (o.needsTool?.(args) ?? true) await ensure();
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}
