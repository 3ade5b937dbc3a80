import { execFileSync } from 'node:child_process';
import { appendFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { DeploymentSpec } from '../types.ts';
import { createSandboxDrivers } from './drivers.ts';
import { readLedger, recordEffect } from './ledger.ts';
import { recordingContext } from './test-context.ts';

function ledgerFile(): string {
  return join(mkdtempSync(join(tmpdir(), 'sandbox-ledger-')), 'nested', 'ledger.jsonl');
}

const target = { clusterId: 'cl-1', name: 'local-dev', context: 'local-dev' };
const deployment: DeploymentSpec = {
  id: 'dep-1',
  name: 'todo-backend',
  namespace: 'default',
  replicas: 2,
  image: 'todo/backend:1',
  containerPort: 8000,
};

describe('effects ledger', () => {
  it('reads a missing ledger as empty', () => {
    expect(readLedger(join(tmpdir(), 'does-not-exist', 'ledger.jsonl'))).toEqual([]);
  });

  it('records one line per operation even when two instances perform it', async () => {
    const ledgerPath = ledgerFile();
    const a = createSandboxDrivers({ timeScale: 0.001, ledgerPath, now: () => Date.UTC(2026, 1, 7) });
    const b = createSandboxDrivers({ timeScale: 0.001, ledgerPath });
    await a.workloads.applyDeployment(target, deployment, recordingContext({ operationId: 'op-1' }));
    await b.workloads.applyDeployment(
      target,
      deployment,
      recordingContext({ operationId: 'op-1', attempt: 2 }),
    );
    const entries = readLedger(ledgerPath);
    expect(entries).toEqual([
      {
        operationId: 'op-1',
        effect: 'applyDeployment',
        resourceId: 'dep-1',
        at: '2026-02-07T00:00:00.000Z',
        pid: process.pid,
      },
    ]);
  });

  it('records a second operation on the same resource as a separate effect', async () => {
    const ledgerPath = ledgerFile();
    const { workloads } = createSandboxDrivers({ timeScale: 0.001, ledgerPath });
    await workloads.applyDeployment(target, deployment, recordingContext({ operationId: 'op-1' }));
    await workloads.scaleDeployment(target, deployment, recordingContext({ operationId: 'op-2' }));
    await workloads.applyDeployment(target, deployment, recordingContext({ operationId: 'op-3' }));
    expect(readLedger(ledgerPath).map((e) => `${e.operationId}:${e.effect}`)).toEqual([
      'op-1:applyDeployment',
      'op-2:scaleDeployment',
      'op-3:applyDeployment',
    ]);
  });

  it('records nothing without a ledger path, and skips torn lines when reading', () => {
    expect(recordEffect(null, { operationId: 'x', effect: 'build', resourceId: 'y' }, 0)).toBe(false);
    const ledgerPath = ledgerFile();
    expect(recordEffect(ledgerPath, { operationId: 'x', effect: 'build', resourceId: 'y' }, 0)).toBe(true);
    appendFileSync(ledgerPath, '{"operationId":"half');
    expect(readLedger(ledgerPath)).toHaveLength(1);
  });

  it('dedupes an effect recorded by another process', () => {
    const ledgerPath = ledgerFile();
    const module = pathToFileURL(join(import.meta.dirname, 'ledger.ts')).href;
    const script = `import { recordEffect } from ${JSON.stringify(module)};
recordEffect(${JSON.stringify(ledgerPath)}, { operationId: 'op-x', effect: 'start', resourceId: 'cl-1' }, 0);`;
    execFileSync(process.execPath, ['--input-type=module', '-e', script]);
    expect(recordEffect(ledgerPath, { operationId: 'op-x', effect: 'start', resourceId: 'cl-1' }, 0)).toBe(
      false,
    );
    const entries = readLedger(ledgerPath);
    expect(entries).toHaveLength(1);
    expect(entries[0]?.pid).not.toBe(process.pid);
  });
});
