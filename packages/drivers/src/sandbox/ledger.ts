// Effects ledger: one JSON line per side effect, shared by every worker process through O_APPEND writes,
// so a fault suite can prove each effect happened at most once per operation.
import { appendFileSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';

export type SandboxEffect =
  | 'build'
  | 'retag'
  | 'remove'
  | 'push'
  | 'start'
  | 'stop'
  | 'delete'
  | 'loadImage'
  | 'applyDeployment'
  | 'scaleDeployment'
  | 'deleteDeployment'
  | 'applyService'
  | 'deleteService';

export type LedgerEntry = {
  operationId: string;
  effect: SandboxEffect;
  resourceId: string;
  /** ISO-8601 time the effect was recorded. */
  at: string;
  pid: number;
};

/** Every entry in file order; a missing file is an empty ledger, unparsable lines (torn writes) are skipped. */
export function readLedger(path: string): LedgerEntry[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const entries: LedgerEntry[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    try {
      entries.push(JSON.parse(line) as LedgerEntry);
    } catch {
      // A half-written line from a killed process is not an effect we can attribute; skip it.
    }
  }
  return entries;
}

/**
 * Records an effect unless this (operationId, effect, resourceId) is already in the ledger, the way an
 * idempotent API answers a replayed request without doing it twice. Returns true when a line was written.
 * The check and the append are not one atomic step: two processes executing the SAME operation at the
 * same instant could both write. That is deliberate: the system's compare-and-set claim must prevent it,
 * and if it ever fails to, the duplicate line is the evidence the fault suite looks for.
 */
export function recordEffect(
  path: string | null,
  effect: { operationId: string; effect: SandboxEffect; resourceId: string },
  nowMs: number,
): boolean {
  if (path === null) return false;
  const seen = readLedger(path).some(
    (e) =>
      e.operationId === effect.operationId &&
      e.effect === effect.effect &&
      e.resourceId === effect.resourceId,
  );
  if (seen) return false;
  mkdirSync(dirname(path), { recursive: true });
  const entry: LedgerEntry = {
    operationId: effect.operationId,
    effect: effect.effect,
    resourceId: effect.resourceId,
    at: new Date(nowMs).toISOString(),
    pid: process.pid,
  };
  appendFileSync(path, `${JSON.stringify(entry)}\n`);
  return true;
}
