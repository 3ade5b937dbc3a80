import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link } from 'wouter';
import { mergeLines, useOperationStream } from '../live.tsx';
import { type Operation, unwrap } from '../resources.ts';
import { canWrite, useClient, useUser } from '../session.tsx';
import { Empty, ErrorState, Loading, StatusBadge, Time } from '../ui.tsx';

const active = (s: string) => s === 'queued' || s === 'running';

/** A resource's operations, newest first, each with its status, progress and event lines (live). */
export function Timeline({ resourceId }: { resourceId: string }) {
  const client = useClient();
  const ops = useQuery({
    queryKey: ['operation', 'of', resourceId],
    queryFn: () =>
      unwrap(
        client.api.GET('/api/operations', {
          params: { query: { resource_id: resourceId, per_page: 10 } },
        }),
      ),
  });
  return (
    <section aria-labelledby="timeline-title" className="timeline">
      <h2 id="timeline-title">Operations</h2>
      {ops.isPending ? (
        <Loading what="operations" />
      ) : ops.isError ? (
        <ErrorState error={ops.error} />
      ) : ops.data.items.length === 0 ? (
        <Empty>
          <p>No operations on this resource yet.</p>
        </Empty>
      ) : (
        <ol className="ops">
          {ops.data.items.map((op, i) => (
            <OperationEntry key={op.id} op={op} withEvents={i === 0} />
          ))}
        </ol>
      )}
    </section>
  );
}

/** One operation; `withEvents`: load its event lines (the newest few; the list carries none). */
export function OperationEntry({ op, withEvents = true }: { op: Operation; withEvents?: boolean }) {
  const client = useClient();
  const user = useUser();
  const qc = useQueryClient();
  // The list carries no events: the operation itself does (refetched when /api/events says so).
  const full = useQuery({
    queryKey: ['operation', 'detail', op.id],
    queryFn: () => unwrap(client.api.GET('/api/operations/{id}', { params: { path: { id: op.id } } })),
    enabled: withEvents && !op.events,
  });
  const events = op.events ?? full.data?.events ?? [];
  const live = useOperationStream(op.id, active(op.status), [
    [op.resource_type, 'detail', op.resource_id],
    ['operation', 'of', op.resource_id],
  ]);
  const cancel = useMutation({
    mutationFn: () =>
      unwrap(client.api.POST('/api/operations/{id}/cancel', { params: { path: { id: op.id } } })),
    onSettled: () =>
      Promise.all([
        qc.invalidateQueries({ queryKey: ['operation', 'of', op.resource_id] }),
        qc.invalidateQueries({ queryKey: ['operation', 'detail', op.id] }),
      ]),
  });
  const last = live[live.length - 1];
  const status = last && last.event !== 'log' ? last.data.status : op.status;
  const progress = last ? last.data.progress : op.progress;
  const lines = mergeLines(events, live);
  return (
    <li className="op">
      <div className="op-head">
        <Link href={`/operations/${op.id}`}>{op.kind}</Link> <StatusBadge status={status} />
        <progress max={100} value={progress} aria-label={`${op.kind} progress`}>
          {progress}%
        </progress>
        <span className="muted">{progress}%</span>
        {active(status) && canWrite(user) ? (
          <button type="button" onClick={() => cancel.mutate()} disabled={cancel.isPending}>
            Cancel
          </button>
        ) : null}
      </div>
      {cancel.isError ? <ErrorState error={cancel.error} /> : null}
      {op.error ? <p className="error">{op.error}</p> : null}
      {lines.length > 0 ? (
        <ul className="events" aria-label={`${op.kind} events`}>
          {lines.map((e, i) => (
            <li key={`${e.id ?? 'x'}-${i}`}>
              <Time at={e.at} /> <strong>{e.status}</strong> {e.message}
            </li>
          ))}
        </ul>
      ) : null}
    </li>
  );
}
