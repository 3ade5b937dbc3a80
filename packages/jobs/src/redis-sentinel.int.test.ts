// A private Redis master watched by a Sentinel (redis-server --sentinel) on loopback ports: the
// producer and a BullMQ worker find the master through the Sentinel and run a job.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, waitUntil } from '@slipway/testing';
import { Worker } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProducer } from './producer.ts';
import { parseRedisLocator, workerConnection } from './redis.ts';

const haveRedis = spawnSync('redis-server', ['--version']).status === 0;

describe.skipIf(!haveRedis && !process.env.CI)('Slipway through a Redis Sentinel', () => {
  const procs: ChildProcess[] = [];
  let dir = '';
  let locator = '';

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'slipway-sentinel-'));
    const masterPort = await freePort();
    const sentinelPort = await freePort();
    procs.push(
      spawn(
        'redis-server',
        ['--port', String(masterPort), '--bind', '127.0.0.1', '--save', '', '--dir', dir],
        {
          stdio: 'ignore',
        },
      ),
    );
    const conf = join(dir, 'sentinel.conf');
    writeFileSync(
      conf,
      [
        `port ${sentinelPort}`,
        'bind 127.0.0.1',
        `dir ${dir}`,
        `sentinel monitor mymaster 127.0.0.1 ${masterPort} 1`,
        'sentinel down-after-milliseconds mymaster 5000',
        '',
      ].join('\n'),
    );
    procs.push(spawn('redis-server', [conf, '--sentinel'], { stdio: 'ignore' }));
    await waitUntil(
      'the sentinel to know the master',
      () =>
        spawnSync(
          'redis-cli',
          ['-p', String(sentinelPort), 'sentinel', 'get-master-addr-by-name', 'mymaster'],
          {
            encoding: 'utf8',
          },
        ).stdout.includes(String(masterPort)),
      20_000,
    );
    // A second, absent sentinel in the list: clients try the next one.
    locator = `redis+sentinel://127.0.0.1:${sentinelPort}/mymaster?sentinels=127.0.0.1:${await freePort()}`;
  }, 60_000);

  afterAll(async () => {
    for (const p of procs) p.kill('SIGKILL');
    await Promise.all(
      procs.map((p) => (p.exitCode === null ? new Promise((ok) => p.once('exit', ok)) : null)),
    );
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('redis-server is installed (.ci/run installs it)', () => {
    expect(haveRedis).toBe(true);
  });

  it('the producer and a BullMQ worker reach the master through the Sentinel', async () => {
    expect(parseRedisLocator(locator).kind).toBe('sentinel');
    const prefix = `t${randomBytes(4).toString('hex')}`;
    const producer = createProducer({ redisUrl: locator, prefix });
    await producer.ready(10_000);
    const connection = workerConnection(locator);
    const seen: string[] = [];
    const worker = new Worker(
      'charts',
      async (job) => {
        seen.push(String(job.data.operationId));
      },
      { connection, prefix },
    );
    try {
      const id = '0192f0c5-2222-7000-8000-000000000002';
      await producer.enqueue('chart.validate', id, { fresh: true });
      await waitUntil('the job to run', () => seen.includes(id), 20_000);
      // The connection is to the master the Sentinel named, not to the Sentinel.
      expect(await producer.redis.info('replication')).toContain('role:master');
    } finally {
      await worker.close();
      connection.disconnect();
      await producer.close();
    }
  });
});
