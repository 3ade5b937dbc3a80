import { type FormEvent, type ReactNode, useId, useRef, useState } from 'react';
import type { z } from 'zod';
import { ApiError } from './client.ts';
import { errorText } from './ui.tsx';

// Forms validate in the browser with the API's own zod schemas (from @slipway/contract), then send;
// a server error that names a field (`details.field`) is shown on that field, and the first bad
// field gets the focus.

export type Option = { value: string; label: string };

export type FieldSpec = {
  /** The API field (a dotted path for nested ones, e.g. `source.git`). */
  name: string;
  label: string;
  kind?: 'text' | 'number' | 'select' | 'password' | 'email' | 'textarea' | 'file';
  options?: Option[];
  /** Empty means absent (optional fields). */
  optional?: boolean;
  placeholder?: string;
  help?: string;
  initial?: string | number;
  accept?: string;
};

export type FormValues = Record<string, unknown>;

/** FormData -> the JSON body: numbers as numbers, empty optional fields left out, dotted names nested. */
export function readValues(fields: FieldSpec[], form: HTMLFormElement): FormValues {
  const data = new FormData(form);
  const out: FormValues = {};
  for (const f of fields) {
    if (f.kind === 'file') continue;
    const raw = data.get(f.name);
    const s = typeof raw === 'string' ? raw.trim() : '';
    if (s === '' && f.optional) continue;
    const v: unknown = f.kind === 'number' ? (s === '' ? undefined : Number(s)) : s;
    if (v === undefined) continue;
    const path = f.name.split('.');
    let at = out;
    for (const k of path.slice(0, -1)) {
      at[k] ??= {};
      at = at[k] as FormValues;
    }
    at[path[path.length - 1] as string] = v;
  }
  return out;
}

/** zod issues -> the first message per field (keyed by the field names of `fields`). */
export function issuesByField(fields: FieldSpec[], error: z.ZodError): Record<string, string> {
  const names = fields.map((f) => f.name);
  const out: Record<string, string> = {};
  for (const issue of error.issues) {
    const path = issue.path.map(String).join('.');
    const name = names.find((n) => n === path) ?? names.find((n) => path.startsWith(`${n}.`)) ?? '';
    const key = name || '(form)';
    if (!(key in out)) out[key] = name ? issue.message : `${path || 'body'}: ${issue.message}`;
  }
  return out;
}

/** The API's 422 `details.field` -> our field (the first segment matches when nested deeper). */
export function serverFieldError(fields: FieldSpec[], e: unknown): Record<string, string> | null {
  if (!(e instanceof ApiError)) return null;
  const d = e.body?.details;
  if (!d) return null;
  const field = d.field;
  const name =
    fields.find((f) => f.name === field)?.name ?? fields.find((f) => field.startsWith(`${f.name}.`))?.name;
  return name ? { [name]: d.issue || e.message } : null;
}

export function ZodForm<S extends z.ZodType>({
  schema,
  fields,
  submitLabel = 'Create',
  onSubmit,
  children,
  title,
}: {
  schema: S;
  fields: FieldSpec[];
  submitLabel?: string;
  onSubmit(body: z.output<S>, form: HTMLFormElement): Promise<unknown>;
  children?: ReactNode;
  title?: string;
}) {
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const ref = useRef<HTMLFormElement>(null);
  const prefix = useId();
  const idOf = (name: string) => `${prefix}-${name.replace(/\./g, '-')}`;

  const focusFirst = (errs: Record<string, string>) => {
    const first = fields.find((f) => errs[f.name]);
    if (first) requestAnimationFrame(() => document.getElementById(idOf(first.name))?.focus());
  };

  async function submit(ev: FormEvent<HTMLFormElement>) {
    ev.preventDefault();
    const form = ev.currentTarget;
    setFormError(null);
    const parsed = schema.safeParse(readValues(fields, form));
    if (!parsed.success) {
      const errs = issuesByField(fields, parsed.error);
      setErrors(errs);
      if (errs['(form)']) setFormError(errs['(form)']);
      focusFirst(errs);
      return;
    }
    setErrors({});
    setBusy(true);
    try {
      await onSubmit(parsed.data, form);
    } catch (e) {
      const fieldErr = serverFieldError(fields, e);
      if (fieldErr) {
        setErrors(fieldErr);
        focusFirst(fieldErr);
      }
      setFormError(errorText(e));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form ref={ref} className="form" noValidate onSubmit={submit} aria-label={title}>
      {fields.map((f) => {
        const id = idOf(f.name);
        const err = errors[f.name];
        const describedBy = [
          err ? `${id}-error` : '',
          f.optional ? `${id}-optional` : '',
          f.help ? `${id}-help` : '',
        ]
          .filter(Boolean)
          .join(' ');
        const common = {
          id,
          name: f.name,
          'aria-invalid': err ? true : undefined,
          'aria-describedby': describedBy || undefined,
        } as const;
        return (
          <div className={`field${err ? ' invalid' : ''}`} key={f.name}>
            {/* The label is the field's name alone ("Port"); "optional" is its description. */}
            <div className="label-row">
              <label htmlFor={id}>{f.label}</label>
              {f.optional ? (
                <span id={`${id}-optional`} className="optional">
                  (optional)
                </span>
              ) : null}
            </div>
            {f.kind === 'select' ? (
              <select {...common} defaultValue={f.initial === undefined ? '' : String(f.initial)}>
                {f.optional || f.initial === undefined ? <option value="">—</option> : null}
                {(f.options ?? []).map((o) => (
                  <option key={o.value} value={o.value}>
                    {o.label}
                  </option>
                ))}
              </select>
            ) : f.kind === 'textarea' ? (
              <textarea
                {...common}
                defaultValue={f.initial === undefined ? '' : String(f.initial)}
                rows={3}
              />
            ) : (
              <input
                {...common}
                type={f.kind === 'number' ? 'number' : (f.kind ?? 'text')}
                defaultValue={f.kind === 'file' || f.initial === undefined ? undefined : String(f.initial)}
                placeholder={f.placeholder}
                accept={f.accept}
                inputMode={f.kind === 'number' ? 'numeric' : undefined}
              />
            )}
            {f.help ? (
              <small id={`${id}-help`} className="help">
                {f.help}
              </small>
            ) : null}
            {err ? (
              <small id={`${id}-error`} className="field-error">
                {err}
              </small>
            ) : null}
          </div>
        );
      })}
      {children}
      {formError ? (
        <p className="form-error" role="alert">
          {formError}
        </p>
      ) : null}
      <button type="submit" className="primary" disabled={busy}>
        {submitLabel}
      </button>
    </form>
  );
}
