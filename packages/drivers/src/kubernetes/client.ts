// @kubernetes/client-node, loaded on first use instead of at import: it adds ~80 MB to a process's
// resident memory, and a worker on the sandbox drivers (or one that never talks to a cluster) never
// needs it. Types are imported statically (`import type`, erased); values come from `k8s()`.
// Node 22 loads this ES module synchronously through require (require(esm)).
import { createRequire } from 'node:module';

type ClientNode = typeof import('@kubernetes/client-node');

let loaded: ClientNode | null = null;

/** The @kubernetes/client-node module (loaded now if it was not yet). */
export function k8s(): ClientNode {
  loaded ??= createRequire(import.meta.url)('@kubernetes/client-node') as ClientNode;
  return loaded;
}

/**
 * The module when `e` may have come from it: loaded by us already, or an error named ApiException
 * (another importer loaded client-node; requiring it again returns that same, already loaded module).
 * Else null: nothing can have come from it, and a sandbox process does not load it to find that out.
 */
export function k8sIfLoaded(e?: unknown): ClientNode | null {
  if (loaded) return loaded;
  return e instanceof Error && e.constructor.name === 'ApiException' ? k8s() : null;
}
