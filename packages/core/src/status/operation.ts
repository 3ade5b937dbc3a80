import type { OperationStatus } from '@slipway/db';
import type { Machine } from './machine.ts';

// queued -> running -> succeeded | failed | cancelled; running -> queued hands a job back
// (retry, graceful shutdown, lost lease). Terminal states never move.
export const operationMachine: Machine<OperationStatus> = {
  queued: ['running', 'cancelled', 'failed'],
  running: ['succeeded', 'failed', 'cancelled', 'queued'],
  succeeded: [],
  failed: [],
  cancelled: [],
};

export const terminalOperationStatuses: readonly OperationStatus[] = ['succeeded', 'failed', 'cancelled'];
