export * from './logger.ts';
export * from './metrics.ts';
export * from './otel-env.ts';
export * from './tracing.ts';
