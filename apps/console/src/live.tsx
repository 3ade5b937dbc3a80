import { type QueryClient, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import type { OperationStreamEvent, ResourceStreamEvent } from './client.ts';
import { useClient } from './session.tsx';

// Live updates without reloads or timers: one GET /api/events stream per signed-in page. Each status
// change refetches the mounted queries it concerns: that resource type's list or detail, the
// resource's operations and that operation (the rate limit is per minute: nothing else). When
// the stream drops it reconnects (after a short back-off) and refetches everything it may have missed.

export function useLiveEvents(): void {
  const client = useClient();
  const qc = useQueryClient();
  useEffect(() => {
    const ac = new AbortController();
    let attempt = 0;
    // A burst of changes (queued, running, succeeded) refetches once: keys gathered for a moment.
    const pending = new Map<string, readonly string[]>();
    let flush: ReturnType<typeof setTimeout> | undefined;
    const invalidate = (key: readonly string[]) => {
      pending.set(JSON.stringify(key), key);
      flush ??= setTimeout(() => {
        flush = undefined;
        const keys = [...pending.values()];
        pending.clear();
        for (const queryKey of keys) void qc.invalidateQueries({ queryKey }, { cancelRefetch: false });
      }, 150);
    };
    (async () => {
      while (!ac.signal.aborted) {
        try {
          const stream = client.events({ signal: ac.signal });
          if (attempt > 0) await qc.invalidateQueries();
          for await (const e of stream) {
            attempt = 0;
            const d = e.data;
            // While an operation runs, the event itself updates what is on screen (the resource's
            // status, the operation's status and progress): no request. A new operation, and the end
            // of one (other fields change then: replicas, size, digest), refetch the mounted queries.
            const known = patch(qc, d);
            if (e.event === 'done' || !known) {
              if (d.resource_type) invalidate([d.resource_type]);
              invalidate(['operation', 'list']);
              if (d.resource_id) invalidate(['operation', 'of', d.resource_id]);
              if (d.operation_id) invalidate(['operation', 'detail', d.operation_id]);
            }
          }
        } catch {
          if (ac.signal.aborted) return;
        }
        attempt++;
        await new Promise((ok) => setTimeout(ok, Math.min(30_000, 500 * 2 ** attempt)));
      }
    })();
    return () => {
      ac.abort();
      if (flush) clearTimeout(flush);
    };
  }, [client, qc]);
}

export type LiveEvent = OperationStreamEvent;

type Row = { id: string; status: string; progress?: number };
type PageData = { items: Row[] };

/**
 * Applies a status change to the cached resource (detail and list rows) and to the cached operation
 * rows. True when the operation was already in a cached timeline (or none is shown).
 */
function patch(qc: QueryClient, d: ResourceStreamEvent['data']): boolean {
  const status = d.resource_status;
  if (status) {
    qc.setQueriesData<Row>({ queryKey: [d.resource_type, 'detail', d.resource_id] }, (r) =>
      r ? { ...r, status } : r,
    );
    qc.setQueriesData<PageData>({ queryKey: [d.resource_type, 'list'] }, (p) =>
      p ? { ...p, items: p.items.map((r) => (r.id === d.resource_id ? { ...r, status } : r)) } : p,
    );
  }
  let found = true;
  for (const [key, page] of qc.getQueriesData<PageData>({ queryKey: ['operation', 'of', d.resource_id] })) {
    if (!page) continue;
    if (!page.items.some((o) => o.id === d.operation_id)) found = false;
    qc.setQueryData<PageData>(key, {
      ...page,
      items: page.items.map((o) =>
        o.id === d.operation_id ? { ...o, status: d.status, progress: d.progress } : o,
      ),
    });
  }
  return found;
}

/** An operation's events as they happen (GET /api/operations/{id}/events), while it is not finished. */
export function useOperationStream(
  id: string | undefined,
  active: boolean,
  /** Query keys to refetch when the operation ends (besides what /api/events refetches). */
  onDone: readonly (readonly string[])[] = [],
): LiveEvent[] {
  const client = useClient();
  const qc = useQueryClient();
  const [events, setEvents] = useState<LiveEvent[]>([]);
  const doneKeys = JSON.stringify(onDone);
  useEffect(() => {
    setEvents([]);
    if (!id || !active) return;
    const ac = new AbortController();
    (async () => {
      try {
        for await (const e of client.watchOperation(id, { signal: ac.signal })) {
          setEvents((xs) => [...xs, e]);
          if (e.event === 'done')
            for (const queryKey of [['operation', 'detail', id], ...JSON.parse(doneKeys)] as string[][])
              void qc.invalidateQueries({ queryKey }, { cancelRefetch: false });
        }
      } catch {
        // Aborted, or the operation is gone: the timeline keeps what the list query shows.
      }
    })();
    return () => ac.abort();
  }, [client, qc, id, active, doneKeys]);
  return events;
}

export type Line = { id?: number | undefined; status: string; message: string; at: string | null };

/** Stored event lines, then the live ones not among them (progress ticks are not lines). */
export function mergeLines(stored: readonly Line[], live: readonly LiveEvent[]): Line[] {
  const key = (l: Line) => `${l.status}\u0000${l.message}\u0000${l.at ?? ''}`;
  const seen = new Set(stored.map(key));
  const out: Line[] = [...stored];
  for (const e of live) {
    if (e.event === 'progress') continue;
    const line = { id: Number(e.id), status: e.data.status, message: e.data.message, at: e.data.at };
    if (seen.has(key(line))) continue;
    seen.add(key(line));
    out.push(line);
  }
  return out;
}
