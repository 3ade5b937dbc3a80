export * from './cluster.ts';
export * from './invariants.ts';
export * from './ports.ts';
export * from './services.ts';
export * from './tcp-proxy.ts';
