import { type ReactNode, useEffect, useId, useRef, useState } from 'react';
import { ApiError } from './client.ts';

/** A resource's status as its plain word, coloured by what it means. */
export function StatusBadge({ status }: { status: string }) {
  return <span className={`badge badge-${tone(status)}`}>{status}</span>;
}

function tone(status: string): string {
  if (['running', 'built', 'valid', 'active', 'succeeded', 'completed'].includes(status)) return 'ok';
  if (['failed', 'error', 'invalid', 'cancelled'].includes(status)) return 'bad';
  // unknown: its cluster is stopped or gone, nothing is in progress (the reason is on the detail page).
  if (['stopped', 'unknown'].includes(status)) return 'idle';
  return 'busy';
}

export function Loading({ what }: { what: string }) {
  return (
    <p className="state" role="status" aria-live="polite">
      Loading {what}…
    </p>
  );
}

export function errorText(e: unknown): string {
  if (e instanceof ApiError) return e.message;
  if (e instanceof Error) return e.message;
  return String(e);
}

export function ErrorState({ error }: { error: unknown }) {
  return (
    <p className="state error" role="alert">
      {errorText(error)}
    </p>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <div className="state empty">{children}</div>;
}

/** Delete (or any destructive action) behind a confirmation dialog. */
export function ConfirmButton({
  label,
  question,
  onConfirm,
  disabled,
}: {
  label: string;
  question: string;
  onConfirm: () => Promise<unknown>;
  disabled?: boolean;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const titleId = useId();
  return (
    <>
      <button
        type="button"
        className="danger"
        disabled={disabled}
        onClick={() => dialog.current?.showModal()}
      >
        {label}
      </button>
      <dialog ref={dialog} aria-labelledby={titleId} className="confirm">
        <p id={titleId}>{question}</p>
        {error ? <ErrorState error={error} /> : null}
        <div className="row">
          <button type="button" onClick={() => dialog.current?.close()}>
            Keep it
          </button>
          <button
            type="button"
            className="danger"
            disabled={busy}
            onClick={async () => {
              setBusy(true);
              setError(null);
              try {
                await onConfirm();
                dialog.current?.close();
              } catch (e) {
                setError(e);
              } finally {
                setBusy(false);
              }
            }}
          >
            Yes, {label.toLowerCase()}
          </button>
        </div>
      </dialog>
    </>
  );
}

/** A labelled field list: the resource's fields as the API names them, in words. */
export function Fields({ rows }: { rows: [string, ReactNode][] }) {
  return (
    <dl className="fields">
      {rows.map(([k, v]) => (
        <div key={k}>
          <dt>{k}</dt>
          <dd>{v === null || v === undefined || v === '' ? '—' : v}</dd>
        </div>
      ))}
    </dl>
  );
}

export function Time({ at }: { at: string | null | undefined }) {
  if (!at) return <>—</>;
  return <time dateTime={at}>{new Date(at).toLocaleString()}</time>;
}

/** A transient note for screen readers and eyes ("Scaling started"). */
export function Notice({ text }: { text: string | null }) {
  const [shown, setShown] = useState(text);
  useEffect(() => setShown(text), [text]);
  return (
    <p className="notice" role="status" aria-live="polite">
      {shown ?? ''}
    </p>
  );
}
