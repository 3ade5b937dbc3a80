import type { ClusterStatus } from '@slipway/db';
import type { Machine } from './machine.ts';

// stopped -> starting -> running -> stopping -> stopped; running -> restarting -> running; any -> error.
// From error a cluster can be started or stopped again (recovery).
export const clusterMachine: Machine<ClusterStatus> = {
  stopped: ['starting', 'running', 'error'],
  starting: ['running', 'stopped', 'error'],
  running: ['stopping', 'restarting', 'stopped', 'error'],
  stopping: ['stopped', 'running', 'error'],
  restarting: ['running', 'stopped', 'error'],
  error: ['starting', 'stopping', 'running', 'stopped'],
};
