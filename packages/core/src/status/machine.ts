import { DomainError } from '../errors.ts';

/** A status machine: for each status, the statuses it may move to. */
export type Machine<S extends string> = Readonly<Record<S, readonly S[]>>;

export function canTransition<S extends string>(m: Machine<S>, from: S, to: S): boolean {
  return m[from].includes(to);
}

/** Every status from which `to` is reachable in one step: the WHERE of a compare-and-set. */
export function allowedFrom<S extends string>(m: Machine<S>, to: S): S[] {
  return (Object.keys(m) as S[]).filter((s) => m[s].includes(to));
}

/** Throws the 409 an API client sees when the current state forbids the action. */
export function assertTransition<S extends string>(
  m: Machine<S>,
  what: string,
  id: string,
  from: S,
  to: S,
): void {
  if (!canTransition(m, from, to)) {
    throw new DomainError('conflict', `Cannot move ${what} from '${from}' to '${to}'`, { id });
  }
}
