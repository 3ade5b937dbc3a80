import type { DeploymentStatus } from '@slipway/db';
import type { Machine } from './machine.ts';

// pending -> running | failed; scaling/updating -> running | failed; a running or failed deployment
// can be scaled or updated again. Self-moves let a worker re-record available_replicas.
// Any status -> unknown when its cluster stops or goes away (nothing observes it then); unknown ->
// whatever the driver sees once the cluster runs again.
export const deploymentMachine: Machine<DeploymentStatus> = {
  pending: ['pending', 'running', 'failed', 'scaling', 'updating', 'unknown'],
  running: ['running', 'scaling', 'updating', 'failed', 'unknown'],
  scaling: ['scaling', 'running', 'failed', 'updating', 'unknown'],
  updating: ['updating', 'running', 'failed', 'scaling', 'unknown'],
  failed: ['failed', 'scaling', 'updating', 'pending', 'running', 'unknown'],
  unknown: ['unknown', 'running', 'failed', 'scaling', 'updating', 'pending'],
};
