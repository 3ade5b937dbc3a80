import type { ImageStatus } from '@slipway/db';
import type { Machine } from './machine.ts';

// building -> built | failed; a built or failed image can be rebuilt/retagged (back to building).
export const imageMachine: Machine<ImageStatus> = {
  building: ['built', 'failed'],
  built: ['building', 'failed'],
  failed: ['building'],
};
