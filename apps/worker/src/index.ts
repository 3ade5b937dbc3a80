// For benchmarks and tests that run a worker in-process; production starts src/main.ts.
export { loadWorkerConfig, WorkerConfig } from './config.ts';
export { OperationRunner } from './runner.ts';
export { type SlipwayWorker, startWorker } from './worker.ts';
