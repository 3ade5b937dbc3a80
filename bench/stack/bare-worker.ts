// The bare BullMQ worker the Slipway worker is compared with: one process, concurrency
// BARE_CONCURRENCY (50), two single-row UPDATEs per job (running + started_at, done + finished_at)
// on bench_bare_jobs, nothing else. Env: BARE_DATABASE_URL, BARE_REDIS_URL, BARE_PREFIX,
// BARE_CONCURRENCY, BARE_POOL (postgres.js max, the Slipway worker's min(20, 2c + 4)).
import { Worker } from 'bullmq';
import postgres from 'postgres';

const env = (k: string) => {
  const v = process.env[k];
  if (!v) throw new Error(`${k} is required`);
  return v;
};

const sql = postgres(env('BARE_DATABASE_URL'), {
  max: Number(process.env.BARE_POOL ?? 20),
  onnotice: () => {},
});
const worker = new Worker(
  'bare-jobs',
  async (job) => {
    const id = (job.data as { id: number }).id;
    await sql`update bench_bare_jobs set status = 'running', started_at = clock_timestamp() where id = ${id}`;
    await sql`update bench_bare_jobs set status = 'done', finished_at = clock_timestamp() where id = ${id}`;
  },
  {
    connection: { url: env('BARE_REDIS_URL'), maxRetriesPerRequest: null },
    prefix: env('BARE_PREFIX'),
    concurrency: Number(process.env.BARE_CONCURRENCY ?? 50),
  },
);
worker.on('error', (e) => console.error(`bare worker: ${e.message}`));
void worker.waitUntilReady().then(() => console.log('bare worker ready'));
const stop = () =>
  void Promise.allSettled([worker.close(), sql.end({ timeout: 2 })]).then(() => process.exit(0));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
