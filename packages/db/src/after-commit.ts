import type { Sql, Tx } from './client.ts';

// Work that must wait until a transaction has committed (a NOTIFY that would otherwise hold
// Postgres's cluster-wide notification lock across the commit's WAL flush: issue 10). createDb's
// `db.transaction` registers every transaction it opens here (nested ones share their outermost
// transaction's list) and runs the list after COMMIT returned; nothing runs after a rollback.

type Hook = (client: Sql) => void;

const hooks = new WeakMap<object, Hook[]>();

/**
 * Runs `fn(pool)` once `tx` has committed. `tx` may be a transaction of createDb's `db.transaction`
 * (then after its outermost COMMIT), or the db itself (its statements commit as they run: `fn` runs
 * at once). Returns false, running nothing, for a transaction it cannot see the end of (one opened
 * by a drizzle instance createDb did not make): the caller then does the work inside it.
 */
export function afterCommit(tx: Tx, fn: Hook): boolean {
  const list = hooks.get(tx);
  if (list) {
    list.push(fn);
    return true;
  }
  const client = (tx as { $client?: Sql }).$client;
  if (typeof client?.unsafe !== 'function') return false;
  fn(client);
  return true;
}

type TxRunner = (fn: (tx: never) => Promise<unknown>, config?: unknown) => Promise<unknown>;

/** Makes `target.transaction` register its transactions (and their nested ones) with `list`. */
function track(target: { transaction: TxRunner }, client: Sql, list: Hook[] | null): void {
  const open = target.transaction.bind(target);
  target.transaction = async (fn, config) => {
    const own = list ?? [];
    const result = await open(async (tx: never) => {
      hooks.set(tx, own);
      track(tx as { transaction: TxRunner }, client, own);
      return fn(tx);
    }, config);
    // Only the outermost transaction's COMMIT makes the work visible.
    if (list === null) for (const h of own.splice(0)) runHook(h, client);
    return result;
  };
}

function runHook(h: Hook, client: Sql): void {
  try {
    h(client);
  } catch {
    // An after-commit hook is best effort (a wake-up); it must never fail the committed work.
  }
}

/** Called by createDb on the db it returns. */
export function trackCommits(db: { transaction: unknown }, client: Sql): void {
  track(db as { transaction: TxRunner }, client, null);
}
