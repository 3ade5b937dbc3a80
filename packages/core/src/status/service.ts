import type { ServiceStatus } from '@slipway/db';
import type { Machine } from './machine.ts';

// pending -> active | failed; an update sends it back to pending. Any status -> unknown when its
// cluster stops or goes away; unknown -> whatever the driver sees once the cluster runs again.
export const serviceMachine: Machine<ServiceStatus> = {
  pending: ['pending', 'active', 'failed', 'unknown'],
  active: ['pending', 'active', 'failed', 'unknown'],
  failed: ['pending', 'failed', 'unknown'],
  unknown: ['unknown', 'pending', 'active', 'failed'],
};
