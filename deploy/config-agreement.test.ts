// The compose file and the Helm chart against the processes' own config schemas: every required
// variable is provided, none is unknown to the process that gets it, and the values parse.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { z } from 'zod';
import { Config as ApiConfig, loadConfig } from '../apps/api/src/config.ts';
import { loadWorkerConfig, WorkerConfig } from '../apps/worker/src/config.ts';
import { type K8sObject, render, valueSets } from './helm/render.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const composeFile = join(root, 'docker-compose.yml');

// Read by the runtime or the clients the worker's drivers use (dockerode, helm, kubectl), not by
// Slipway's config.
const RUNTIME_VARS = new Set(['HOME', 'NODE_ENV', 'DOCKER_HOST', 'DOCKER_TLS_VERIFY', 'DOCKER_CERT_PATH']);
const MigrateConfig = {
  shape: { DATABASE_URL: { safeParse: (v: unknown) => ({ success: v !== undefined }) } },
};

type Shape = Record<string, { safeParse(v: unknown): { success: boolean } }>;
const required = (shape: Shape) => Object.keys(shape).filter((k) => !shape[k]?.safeParse(undefined).success);

/** Problems with the variables a process is given: missing required ones, unknown ones. */
function disagreements(shape: Shape, provided: Record<string, string | null>): string[] {
  const problems: string[] = [];
  for (const k of required(shape)) if (provided[k] == null) problems.push(`${k}: required, not provided`);
  for (const k of Object.keys(provided))
    if (!(k in shape) && !RUNTIME_VARS.has(k)) problems.push(`${k}: unknown to the process`);
  return problems;
}

const defined = (env: Record<string, string | null>) =>
  Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] != null));

const compose = spawnSync('docker-compose', ['version'], { encoding: 'utf8' }).status === 0;

function composeConfig(envFile: string) {
  return spawnSync(
    'docker-compose',
    ['--env-file', envFile, '-f', composeFile, '--project-directory', root, 'config'],
    {
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '' },
    },
  );
}

const completeEnv: Record<string, string> = {
  POSTGRES_PASSWORD: 'pg-secret-0123',
  REDIS_PASSWORD: 'redis-secret-0123',
  JWT_SECRET: 'j'.repeat(40),
  ADMIN_EMAIL: 'ops@example.com',
  ADMIN_PASSWORD: 'admin-secret-0123',
  DOCKER_GID: '999',
};

function envFile(vars: Record<string, string>): string {
  const f = join(mkdtempSync(join(tmpdir(), 'slipway-env-')), '.env');
  writeFileSync(
    f,
    Object.entries(vars)
      .map(([k, v]) => `${k}=${v}\n`)
      .join(''),
  );
  return f;
}

describe.skipIf(!compose && !process.env.CI)('docker-compose.yml agrees with the config schemas', () => {
  it('docker-compose is installed (.ci/run installs it)', () => {
    expect(compose).toBe(true);
  });

  it('every service gets every required variable and no unknown one; the values parse', () => {
    const r = composeConfig(envFile(completeEnv));
    expect(r.stderr).not.toMatch(/error|invalid/i);
    expect(r.status).toBe(0);
    const services = parse(r.stdout).services as Record<
      string,
      { environment: Record<string, string | null> }
    >;
    const api = services.api?.environment ?? {};
    const worker = services.worker?.environment ?? {};
    const migrate = services.migrate?.environment ?? {};
    expect(disagreements(ApiConfig.shape as unknown as Shape, api)).toEqual([]);
    expect(disagreements(WorkerConfig.shape as unknown as Shape, worker)).toEqual([]);
    expect(disagreements(MigrateConfig.shape, migrate)).toEqual([]);
    const a = ApiConfig.safeParse(defined(api));
    expect(a.error?.issues ?? []).toEqual([]);
    const w = WorkerConfig.safeParse(defined(worker));
    expect(w.error?.issues ?? []).toEqual([]);
    // The secrets reached the processes from .env, not from defaults in the file.
    expect(a.data?.JWT_SECRET).toBe(completeEnv.JWT_SECRET);
    expect(a.data?.DATABASE_URL).toContain(completeEnv.POSTGRES_PASSWORD);
    expect(w.data?.REDIS_URL).toContain(completeEnv.REDIS_PASSWORD);
    // One image for migrate, api and worker, built once.
    const images = new Set(
      ['migrate', 'api', 'worker'].map((s) => (services[s] as { image?: string }).image),
    );
    expect(images.size).toBe(1);
    const built = Object.entries(services).filter(([, s]) => 'build' in (s as object));
    expect(built.map(([n]) => n)).toEqual(['migrate']);
  });

  it.each(Object.keys(completeEnv))('refuses to start without %s, saying so', (missing) => {
    const { [missing]: _, ...rest } = completeEnv;
    const r = composeConfig(envFile(rest));
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain(`${missing} is not set`);
  });

  it('no secret has a default in the file', () => {
    const text = readFileSync(composeFile, 'utf8');
    for (const k of ['POSTGRES_PASSWORD', 'REDIS_PASSWORD', 'JWT_SECRET', 'ADMIN_EMAIL', 'ADMIN_PASSWORD'])
      expect(text, k).not.toMatch(new RegExp(`\\$\\{${k}:?-`));
    expect(text).not.toMatch(/change-me/i);
  });
});

/** The variables a container gets: its env entries plus the keys of the ConfigMaps it loads. */
function containerEnv(objs: K8sObject[], deployment: string): Record<string, string | null> {
  const d = objs.find((o) => o.kind === 'Deployment' && o.metadata.name === deployment);
  if (!d) throw new Error(`no Deployment ${deployment}`);
  const [c] = d.spec.template.spec.containers;
  const env: Record<string, string | null> = {};
  for (const from of c.envFrom ?? []) {
    const cm = objs.find((o) => o.kind === 'ConfigMap' && o.metadata.name === from.configMapRef?.name);
    Object.assign(env, cm?.data ?? {});
  }
  for (const e of c.env ?? []) env[e.name] = e.value ?? (e.valueFrom ? sample(e.name) : null);
  return env;
}

/** A plausible value for a variable the chart takes from the Secret or the downward API. */
function sample(name: string): string {
  const values: Record<string, string> = {
    DATABASE_URL: 'postgres://slipway:pw@db.internal:5432/slipway',
    REDIS_URL: 'redis://:pw@redis.internal:6379',
    JWT_SECRET: 'k'.repeat(48),
    ADMIN_EMAIL: 'ops@example.com',
    ADMIN_PASSWORD: 'a-long-password',
    AI_LLM_API_KEY: 'sk-test',
    WORKER_ID: 'rel-slipway-worker-abc',
  };
  return values[name] ?? 'x';
}

describe('the Helm chart agrees with the config schemas', () => {
  it.each(Object.entries(valueSets))('with the %s values', (_name, args) => {
    const objs = render(args);
    const api = containerEnv(objs, 'rel-slipway-api');
    const worker = containerEnv(objs, 'rel-slipway-worker');
    expect(disagreements(ApiConfig.shape as unknown as Shape, api)).toEqual([]);
    expect(disagreements(WorkerConfig.shape as unknown as Shape, worker)).toEqual([]);
    const parsedApi = (ApiConfig as z.ZodType).safeParse(defined(api));
    expect(parsedApi.error?.issues ?? []).toEqual([]);
    const parsedWorker = (WorkerConfig as z.ZodType).safeParse(defined(worker));
    expect(parsedWorker.error?.issues ?? []).toEqual([]);
    // The processes' own loaders accept it too (e.g. the hash tag a Redis Cluster needs).
    expect(() => loadConfig(defined(api))).not.toThrow();
    expect(() => loadWorkerConfig(defined(worker))).not.toThrow();
    const job = objs.find((o) => o.kind === 'Job');
    if (job)
      expect(job.spec.template.spec.containers[0].env.map((e: { name: string }) => e.name)).toEqual([
        'DATABASE_URL',
      ]);
  });
});

describe('a Redis Cluster needs a hash-tagged queue prefix', () => {
  it('the chart with cluster nodes and a plain prefix renders a config both processes refuse', () => {
    const objs = render([
      ...(valueSets.defaults ?? []),
      '--set',
      'config.redisClusterNodes=r-0:6379\\,r-1:6379',
      '--set',
      'config.queuePrefix=slipway',
    ]);
    const api = defined(containerEnv(objs, 'rel-slipway-api'));
    const worker = defined(containerEnv(objs, 'rel-slipway-worker'));
    expect(api.REDIS_CLUSTER_NODES).toBe('r-0:6379,r-1:6379');
    expect(() => loadConfig(api)).toThrow(/QUEUE_PREFIX: must carry a hash tag/);
    expect(() => loadWorkerConfig(worker)).toThrow(/QUEUE_PREFIX: must carry a hash tag/);
    expect(loadConfig({ ...api, QUEUE_PREFIX: '{slipway}' }).REDIS_URL).toBe(
      'redis+cluster://:pw@r-0:6379?nodes=r-1:6379',
    );
  });
});
