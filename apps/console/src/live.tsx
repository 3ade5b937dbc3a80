import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import type { OperationStreamEvent } from './client.ts';
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
    (async () => {
      while (!ac.signal.aborted) {
        try {
          const stream = client.events({ signal: ac.signal });
          if (attempt > 0) await qc.invalidateQueries();
          for await (const e of stream) {
            attempt = 0;
            const d = e.data;
            // Only mounted queries refetch: the open list or detail page and its timeline.
            if (d.resource_type) void qc.invalidateQueries({ queryKey: [d.resource_type] });
            void qc.invalidateQueries({ queryKey: ['operation', 'list'] });
            if (d.resource_id) void qc.invalidateQueries({ queryKey: ['operation', 'of', d.resource_id] });
            if (d.operation_id)
              void qc.invalidateQueries({ queryKey: ['operation', 'detail', d.operation_id] });
          }
        } catch {
          if (ac.signal.aborted) return;
        }
        attempt++;
        await new Promise((ok) => setTimeout(ok, Math.min(30_000, 500 * 2 ** attempt)));
      }
    })();
    return () => ac.abort();
  }, [client, qc]);
}

export type LiveEvent = OperationStreamEvent;

/** An operation's events as they happen (GET /api/operations/{id}/events), while it is not finished. */
export function useOperationStream(id: string | undefined, active: boolean): LiveEvent[] {
  const client = useClient();
  const [events, setEvents] = useState<LiveEvent[]>([]);
  useEffect(() => {
    setEvents([]);
    if (!id || !active) return;
    const ac = new AbortController();
    (async () => {
      try {
        for await (const e of client.watchOperation(id, { signal: ac.signal })) {
          setEvents((xs) => [...xs, e]);
        }
      } catch {
        // Aborted, or the operation is gone: the timeline keeps what the list query shows.
      }
    })();
    return () => ac.abort();
  }, [client, id, active]);
  return events;
}
