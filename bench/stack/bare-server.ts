// The bare stack the API is compared with: the same libraries doing only the bare work, no auth, no
// rate limit, no logging. Run as its own process by bench/compare.ts (argv: nothing; env below).
//   GET  /api/deployments/:id   Hono + postgres.js primary-key SELECT of the same deployments rows
//   POST /api/container-images  Hono + one INSERT + BullMQ queue.add
// BARE_DATABASE_URL, BARE_REDIS_URL, BARE_PREFIX (BullMQ prefix), BARE_PORT, BARE_POOL (postgres.js max).
import { serve } from '@hono/node-server';
import { Queue } from 'bullmq';
import { Hono } from 'hono';
import postgres from 'postgres';

const env = (k: string) => {
  const v = process.env[k];
  if (!v) throw new Error(`${k} is required`);
  return v;
};

const sql = postgres(env('BARE_DATABASE_URL'), {
  max: Number(process.env.BARE_POOL ?? 10),
  onnotice: () => {},
});
const queue = new Queue('bare-images', {
  connection: { url: env('BARE_REDIS_URL'), maxRetriesPerRequest: null },
  prefix: env('BARE_PREFIX'),
});

// The job options Slipway's producer uses (packages/jobs producer.ts).
const JOB_OPTS = { removeOnComplete: { age: 3600, count: 5000 }, removeOnFail: { age: 24 * 3600 } };

const app = new Hono();
app.get('/healthz', (c) => c.text('ok'));
app.get('/api/deployments/:id', async (c) => {
  const [row] = await sql`select * from deployments where id = ${c.req.param('id')}`;
  return row ? c.json(row) : c.json({ error: 'not found' }, 404);
});
app.post('/api/container-images', async (c) => {
  const b = (await c.req.json()) as { name: string; tag: string; repository: string };
  const [row] = await sql`
    insert into bench_bare_images (name, tag, repository) values (${b.name}, ${b.tag}, ${b.repository})
    returning id, name, tag, repository, created_at`;
  await queue.add('build', { id: row?.id }, JOB_OPTS);
  return c.json(row, 201);
});

const server = serve({ fetch: app.fetch, port: Number(env('BARE_PORT')), hostname: '127.0.0.1' });
const stop = () => {
  server.close();
  void Promise.allSettled([queue.close(), sql.end({ timeout: 2 })]).then(() => process.exit(0));
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
