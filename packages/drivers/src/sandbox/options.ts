// Options shared by the three sandbox adapters, resolved once so every adapter agrees on the clock.

export type SandboxOptions = {
  /**
   * Multiplies every simulated delay: 1 = realistic seconds (a build takes ~3 s), tests use ~0.001.
   * `timeoutMs` passed to waitDeployment/waitService is simulated time too, so it is scaled the same way
   * (otherwise a `slow` deployment would hold a test for the caller's full real-world timeout).
   */
  timeScale?: number;
  /** Append-only JSON-lines file of side effects (see ledger.ts); null/absent = no ledger. */
  ledgerPath?: string | null;
  /**
   * Wall clock in epoch ms for event timestamps and ledger `at`. Injectable so determinism can be
   * asserted byte for byte; defaults to Date.now.
   */
  now?: () => number;
};

export type ResolvedSandboxOptions = {
  timeScale: number;
  ledgerPath: string | null;
  now: () => number;
};

export function resolveSandboxOptions(opts: SandboxOptions = {}): ResolvedSandboxOptions {
  const timeScale = opts.timeScale ?? 1;
  if (!Number.isFinite(timeScale) || timeScale < 0) {
    throw new RangeError(`sandbox timeScale must be a finite number >= 0, got ${timeScale}`);
  }
  return { timeScale, ledgerPath: opts.ledgerPath ?? null, now: opts.now ?? Date.now };
}
