import { loadClusterForWorker } from '@slipway/core';
import type { Cluster } from '@slipway/db';
import { DriverError } from '@slipway/drivers';
import type { Processor, ProcessorContext } from '../runner.ts';
import { clusterSpec } from './specs.ts';

async function liveCluster(ctx: ProcessorContext): Promise<Cluster | null> {
  const c = await loadClusterForWorker(ctx.deps, ctx.op.resourceId);
  if (!c || c.deletedAt) {
    await ctx.lease.succeed({ message: 'cluster deleted; nothing to do' });
    return null;
  }
  return c;
}

/** The real state is re-read after every command, never assumed from its exit. */
function expect(
  obs: { status: string; detail?: string | undefined },
  want: 'running' | 'stopped',
  name: string,
): void {
  if (obs.status !== want) {
    throw new DriverError(
      'unexpected_state',
      `cluster ${name} is ${obs.status} after the command, expected ${want}${obs.detail ? `: ${obs.detail}` : ''}`,
    );
  }
}

export const startCluster: Processor<'cluster.start'> = async (ctx) => {
  const c = await liveCluster(ctx);
  if (!c) return;
  const obs = await ctx.drivers.clusters.start(clusterSpec(c), ctx.driverCtx);
  expect(obs, 'running', c.name);
  await ctx.lease.succeed({
    resourceStatus: 'running',
    resourceSet: { kubeContext: obs.kubeContext, error: null },
    message: `cluster ${c.name} is running`,
    result: obs,
  });
};

export const stopCluster: Processor<'cluster.stop'> = async (ctx) => {
  const c = await liveCluster(ctx);
  if (!c) return;
  const obs = await ctx.drivers.clusters.stop(clusterSpec(c), ctx.driverCtx);
  expect(obs, 'stopped', c.name);
  await ctx.lease.succeed({
    resourceStatus: 'stopped',
    resourceSet: { error: null },
    message: `cluster ${c.name} is stopped`,
    result: obs,
  });
};

export const restartCluster: Processor<'cluster.restart'> = async (ctx) => {
  const c = await liveCluster(ctx);
  if (!c) return;
  const spec = clusterSpec(c);
  const stopped = await ctx.drivers.clusters.stop(spec, ctx.driverCtx);
  expect(stopped, 'stopped', c.name);
  await ctx.lease.event(`cluster ${c.name} stopped; starting again`);
  const obs = await ctx.drivers.clusters.start(spec, ctx.driverCtx);
  expect(obs, 'running', c.name);
  await ctx.lease.succeed({
    resourceStatus: 'running',
    resourceSet: { kubeContext: obs.kubeContext, error: null },
    message: `cluster ${c.name} restarted`,
    result: obs,
  });
};

export const deleteCluster: Processor<'cluster.delete'> = async ({ op, lease, deps, drivers, driverCtx }) => {
  const c = await loadClusterForWorker(deps, op.resourceId);
  if (c) await drivers.clusters.delete(clusterSpec(c), driverCtx);
  await lease.succeed({ message: `cluster ${c?.name ?? op.resourceId} deleted` });
};
