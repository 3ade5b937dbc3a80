// The benches' settings from the environment: numbers with defaults, KEY=VALUE lists, the services.

/** A number from `process.env[k]`, `d` when unset or empty. */
export function envNumber(k: string, d: number): number {
  const v = process.env[k];
  return v === undefined || v === '' ? d : Number(v);
}

/**
 * `KEY=VALUE KEY2=VALUE2` as an object (BENCH_API_ENV, BENCH_WORKER_ENV, BENCH_AB_API_ENV). A value
 * with spaces goes in quotes: `NODE_OPTIONS='--a --b'`.
 */
export function envPairs(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of text.matchAll(/([^\s=]+)=(?:'([^']*)'|"([^"]*)"|(\S*))/g))
    out[m[1] as string] = m[2] ?? m[3] ?? m[4] ?? '';
  return out;
}

/** BENCH_DATABASE_URL (a role that may CREATE DATABASE) and BENCH_REDIS_URL. */
export const benchServices = {
  databaseUrl: process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
  redisUrl: process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379',
};
