import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.ts';

const good = {
  DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/slipway',
  REDIS_URL: 'redis://127.0.0.1:6379',
  JWT_SECRET: 'x'.repeat(32),
  ADMIN_EMAIL: 'admin@example.com',
  ADMIN_PASSWORD: 'long-enough',
};

describe('loadConfig', () => {
  it('applies defaults', () => {
    expect(loadConfig(good)).toMatchObject({
      PORT: 3000,
      DRIVER: 'auto',
      QUEUE_PREFIX: 'slipway',
      AI_SYNC_TIMEOUT_MS: 20_000,
      TRUST_PROXY: false,
      API_SHUTDOWN_GRACE_MS: 10_000,
    });
    expect(loadConfig({ ...good, PORT: '8080', TRUST_PROXY: 'true', LOG_LEVEL: '' })).toMatchObject({
      PORT: 8080,
      TRUST_PROXY: true,
      LOG_LEVEL: 'info',
    });
  });

  it("reads the standard OTEL_* variables, the batch span processor's included", () => {
    const c = loadConfig({
      ...good,
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
      OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
      OTEL_TRACES_SAMPLER_ARG: '0.5',
      OTEL_BSP_SCHEDULE_DELAY: '1000',
      OTEL_BSP_EXPORT_TIMEOUT: '10000',
      OTEL_BSP_MAX_QUEUE_SIZE: '8192',
      OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '128',
    });
    expect(c).toMatchObject({
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
      OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
      OTEL_TRACES_SAMPLER_ARG: 0.5,
      OTEL_BSP_SCHEDULE_DELAY: 1000,
      OTEL_BSP_EXPORT_TIMEOUT: 10_000,
      OTEL_BSP_MAX_QUEUE_SIZE: 8192,
      OTEL_BSP_MAX_EXPORT_BATCH_SIZE: 128,
    });
    expect(() => loadConfig({ ...good, OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '0' })).toThrow(
      /OTEL_BSP_MAX_EXPORT_BATCH_SIZE/,
    );
    expect(() => loadConfig({ ...good, OTEL_TRACES_SAMPLER: 'sometimes' })).toThrow(/OTEL_TRACES_SAMPLER/);
  });

  it('lists every bad variable by name, never its value', () => {
    try {
      loadConfig({ ...good, JWT_SECRET: 'short-secret', DATABASE_URL: undefined, DRIVER: 'docker' });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      const problems = (e as ConfigError).problems.join('\n');
      expect(problems).toContain('DATABASE_URL: required');
      expect(problems).toContain('JWT_SECRET: must be at least 32 characters');
      expect(problems).toContain('DRIVER');
      expect((e as Error).message).not.toContain('short-secret');
    }
  });
});
