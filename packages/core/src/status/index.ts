export * from './chart.ts';
export * from './cluster.ts';
export * from './deployment.ts';
export * from './image.ts';
export * from './machine.ts';
export * from './operation.ts';
export * from './service.ts';
