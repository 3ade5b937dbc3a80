export * from './database.ts';
export * from './k8s-fixture/index.ts';
