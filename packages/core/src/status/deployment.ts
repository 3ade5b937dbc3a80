import type { DeploymentStatus } from '@slipway/db';
import type { Machine } from './machine.ts';

// pending -> running | failed; scaling/updating -> running | failed; a running or failed deployment
// can be scaled or updated again. Self-moves let a worker re-record available_replicas.
export const deploymentMachine: Machine<DeploymentStatus> = {
  pending: ['pending', 'running', 'failed', 'scaling', 'updating'],
  running: ['running', 'scaling', 'updating', 'failed'],
  scaling: ['scaling', 'running', 'failed', 'updating'],
  updating: ['updating', 'running', 'failed', 'scaling'],
  failed: ['failed', 'scaling', 'updating', 'pending', 'running'],
};
