import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Absolute path of the minikube fixture executable (`#!/usr/bin/env node`, needs `node` on PATH). */
export function minikubeFixturePath(): string {
  return fileURLToPath(new URL('./minikube', import.meta.url));
}

/** A fresh state directory for the fixture; pass it as MINIKUBE_FIXTURE_STATE in the child's env. */
export function minikubeFixtureStateDir(): string {
  return mkdtempSync(join(tmpdir(), 'minikube-fixture-'));
}
