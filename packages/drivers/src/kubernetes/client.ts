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

/** The module if something already loaded it, else null (nothing can have come from it yet). */
export function k8sIfLoaded(): ClientNode | null {
  return loaded;
}
