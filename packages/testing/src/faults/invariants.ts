// The fault suite's judge. It reads only what is durable: the operations and operation_events tables
// and the sandbox effects ledger (one JSON line per side effect, written by every worker process),
// and reports what the issue promises: every accepted operation terminal exactly once, no side effect
// twice, no status moving backwards.
import { readFileSync } from 'node:fs';
import postgres from 'postgres';

const TERMINAL = new Set(['succeeded', 'failed', 'cancelled']);

export type LedgerLine = { operationId: string; effect: string; resourceId: string; at: string; pid: number };

/** The sandbox effects ledger (JSON lines; a torn last line from a killed process is skipped). */
export function readEffects(path: string): LedgerLine[] {
  let text = '';
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  const out: LedgerLine[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      out.push(JSON.parse(line) as LedgerLine);
    } catch {
      // torn write of a killed process: not an effect anyone can rely on
    }
  }
  return out;
}

export type InvariantReport = {
  /** Operations accepted: rows in `operations` (plus ids a client was given that have no row). */
  accepted: number;
  terminal: number;
  /** Accepted but not terminal, or an id a client was handed that Postgres does not know. */
  lost: number;
  /** Ledger lines beyond the first for one (operation, effect, resource). */
  duplicatedEffects: number;
  /** Event sequences that move backwards, rows that disagree with their events. */
  regressions: number;
  byStatus: Record<string, number>;
  /** Ledger lines of cancelled operations written after `cancelled` committed (see README). */
  effectsAfterCancel: number;
  /** The longest such lag (ledger `at` minus `finished_at`), in ms. */
  maxEffectLagAfterCancelMs: number;
  /** One line per violation, for the failure message. */
  problems: string[];
};

export type CheckOptions = {
  databaseUrl: string;
  ledgerPath?: string | null;
  /** Operation ids clients were given (201/202 responses): each must exist. */
  expectedIds?: Iterable<string>;
};

type OpRow = { id: string; status: string; finished_at: Date | null; resource_type: string; kind: string };
type EventRow = { operation_id: string; status: string; message: string };

/**
 * Checks the invariants over the whole database. A regression is any of:
 *  - an event after a terminal event of the same operation (e.g. `succeeded` then `running`),
 *  - more than one terminal event,
 *  - a first event that is not `queued` (the accepted one),
 *  - a terminal row whose last event is not that status, or a non-terminal row with a terminal event,
 *  - an image whose finished build disagrees with the image status (built / failed).
 */
export async function checkInvariants(o: CheckOptions): Promise<InvariantReport> {
  const sql = postgres(o.databaseUrl, { max: 1, onnotice: () => {}, connect_timeout: 5 });
  try {
    const ops = await sql<OpRow[]>`select id, status, finished_at, resource_type, kind from operations`;
    const events = await sql<EventRow[]>`
      select operation_id, status, message from operation_events order by operation_id, id`;
    const images = await sql<{ id: string; status: string; last_status: string | null }[]>`
      select i.id, i.status,
        (select o.status from operations o
          where o.resource_id = i.id and o.kind = 'image.build'
          order by o.created_at desc limit 1) as last_status
      from container_images i where i.deleted_at is null`;
    const problems: string[] = [];
    const byStatus: Record<string, number> = {};
    const known = new Set<string>();
    let terminal = 0;
    let lost = 0;
    for (const op of ops) {
      known.add(op.id);
      byStatus[op.status] = (byStatus[op.status] ?? 0) + 1;
      if (TERMINAL.has(op.status)) terminal++;
      else {
        lost++;
        problems.push(`lost: operation ${op.id} (${op.kind}) still ${op.status}`);
      }
    }
    let missing = 0;
    for (const id of o.expectedIds ?? []) {
      if (!known.has(id)) {
        missing++;
        problems.push(`lost: operation ${id} was accepted but has no row`);
      }
    }
    lost += missing;

    let regressions = 0;
    const byOp = new Map<string, EventRow[]>();
    for (const e of events) {
      const list = byOp.get(e.operation_id) ?? [];
      list.push(e);
      byOp.set(e.operation_id, list);
    }
    for (const op of ops) {
      const seq = byOp.get(op.id) ?? [];
      const bad = eventRegression(op.status, seq);
      if (bad) {
        regressions++;
        problems.push(`regression: operation ${op.id} (${op.kind}): ${bad}`);
      }
    }
    for (const img of images) {
      const want =
        img.last_status === 'succeeded'
          ? 'built'
          : img.last_status === 'failed' || img.last_status === 'cancelled'
            ? 'failed'
            : null;
      if (want && img.status !== want) {
        regressions++;
        problems.push(`regression: image ${img.id} is ${img.status} but its build ${img.last_status}`);
      }
    }

    let duplicatedEffects = 0;
    let effectsAfterCancel = 0;
    let maxEffectLagAfterCancelMs = 0;
    if (o.ledgerPath) {
      const seen = new Map<string, number>();
      for (const l of readEffects(o.ledgerPath)) {
        const key = `${l.operationId}|${l.effect}|${l.resourceId}`;
        const n = (seen.get(key) ?? 0) + 1;
        seen.set(key, n);
        if (n > 1) {
          duplicatedEffects++;
          problems.push(
            `duplicated effect: ${l.effect} of ${l.resourceId} for operation ${l.operationId} (pid ${l.pid})`,
          );
        }
        const op = ops.find((x) => x.id === l.operationId);
        if (op?.status === 'cancelled' && op.finished_at && new Date(l.at) > op.finished_at) {
          effectsAfterCancel++;
          const lag = new Date(l.at).getTime() - op.finished_at.getTime();
          maxEffectLagAfterCancelMs = Math.max(maxEffectLagAfterCancelMs, lag);
        }
      }
    }
    return {
      accepted: ops.length + missing,
      terminal,
      lost,
      duplicatedEffects,
      regressions,
      byStatus,
      effectsAfterCancel,
      maxEffectLagAfterCancelMs,
      problems,
    };
  } finally {
    await sql.end({ timeout: 1 });
  }
}

/** What is wrong with one operation's event sequence, or null. */
export function eventRegression(
  rowStatus: string,
  seq: { status: string; message?: string }[],
): string | null {
  if (seq.length === 0) return 'no events';
  if (seq[0]?.status !== 'queued') return `first event is ${seq[0]?.status}, not queued`;
  const firstTerminal = seq.findIndex((e) => TERMINAL.has(e.status));
  if (firstTerminal >= 0 && firstTerminal < seq.length - 1) {
    const after = seq.slice(firstTerminal + 1).map((e) => e.status);
    return `${seq[firstTerminal]?.status} followed by ${after.join(', ')}`;
  }
  const last = seq.at(-1)?.status;
  if (TERMINAL.has(rowStatus) && last !== rowStatus)
    return `row is ${rowStatus} but the last event is ${last}`;
  if (!TERMINAL.has(rowStatus) && firstTerminal >= 0) return `row is ${rowStatus} after a ${last} event`;
  return null;
}

/** Polls until every operation is terminal (or `timeoutMs`); returns the status counts seen last. */
export async function waitAllTerminal(
  databaseUrl: string,
  timeoutMs: number,
  expected?: number,
): Promise<Record<string, number>> {
  const sql = postgres(databaseUrl, { max: 1, onnotice: () => {}, connect_timeout: 5 });
  const deadline = Date.now() + timeoutMs;
  let last: Record<string, number> = {};
  try {
    for (;;) {
      try {
        const rows = await sql<{ status: string; n: number }[]>`
          select status, count(*)::int as n from operations group by status`;
        last = Object.fromEntries(rows.map((r) => [r.status, r.n]));
        const open = (last.queued ?? 0) + (last.running ?? 0);
        const total = rows.reduce((a, r) => a + r.n, 0);
        if (open === 0 && (expected === undefined || total >= expected)) return last;
      } catch {
        // Postgres may be the thing restarting
      }
      if (Date.now() > deadline)
        throw new Error(`operations not all terminal after ${timeoutMs} ms: ${JSON.stringify(last)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    await sql.end({ timeout: 1 });
  }
}

/** Sums the reports of every case into the suite's one-line verdict. */
export class FaultTally {
  accepted = 0;
  terminal = 0;
  lost = 0;
  duplicatedEffects = 0;
  regressions = 0;

  add(
    r: Pick<InvariantReport, 'accepted' | 'terminal' | 'lost' | 'duplicatedEffects' | 'regressions'>,
  ): void {
    this.accepted += r.accepted;
    this.terminal += r.terminal;
    this.lost += r.lost;
    this.duplicatedEffects += r.duplicatedEffects;
    this.regressions += r.regressions;
  }

  line(): string {
    return `faults: accepted=${this.accepted} terminal=${this.terminal} lost=${this.lost} duplicated_effects=${this.duplicatedEffects} regressions=${this.regressions}`;
  }
}
