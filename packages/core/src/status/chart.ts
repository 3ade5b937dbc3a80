import type { ChartStatus } from '@slipway/db';
import type { Machine } from './machine.ts';

// validating -> valid | invalid; any edit or upload re-validates.
export const chartMachine: Machine<ChartStatus> = {
  validating: ['valid', 'invalid', 'validating'],
  valid: ['validating'],
  invalid: ['validating'],
};
