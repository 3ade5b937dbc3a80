export * from './catalog.ts';
export * from './producer.ts';
export * from './redis.ts';
export * from './registry.ts';
export * from './settings.ts';
