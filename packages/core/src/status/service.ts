import type { ServiceStatus } from '@slipway/db';
import type { Machine } from './machine.ts';

// pending -> active | failed; an update sends it back to pending.
export const serviceMachine: Machine<ServiceStatus> = {
  pending: ['pending', 'active', 'failed'],
  active: ['pending', 'active', 'failed'],
  failed: ['pending', 'failed'],
};
