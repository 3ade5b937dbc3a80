export * from './cancel.ts';
export { TurnBatcher, type TurnBatchOptions } from './group.ts';
export * from './lease.ts';
export * from './query.ts';
export * from './reconcile.ts';
export * from './record.ts';
export * from './watch.ts';
