import {
  appendEvent,
  dispatch,
  loadClusterForWorker,
  markClusterWorkloadsUnknown,
  queueClusterObservations,
} from '@slipway/core';
import type { Cluster, Operation } from '@slipway/db';
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

/** Why a cluster's workloads are `unknown` once it stopped (their reason, and the event on each). */
const stoppedReason = (c: Cluster, how: 'stopped' | 'restarted') =>
  `cluster ${c.name} was ${how === 'stopped' ? 'stopped' : 'stopped to restart'} at ${new Date().toISOString()}; not observed since`;

/** After the settling commit: hand the observe operations it recorded to BullMQ (the reconciler backs this up). */
async function dispatchAll(ctx: ProcessorContext, ops: Operation[]): Promise<void> {
  for (const op of ops) await dispatch(ctx.deps, op);
}

export const startCluster: Processor<'cluster.start'> = async (ctx) => {
  const c = await liveCluster(ctx);
  if (!c) return;
  const obs = await ctx.drivers.clusters.start(clusterSpec(c), ctx.driverCtx);
  expect(obs, 'running', c.name);
  let observe: Operation[] = [];
  await ctx.lease.succeed({
    resourceStatus: 'running',
    resourceSet: { kubeContext: obs.kubeContext, error: null },
    message: `cluster ${c.name} is running`,
    result: obs,
    // Its `unknown` deployments and services are observed again, from what the driver sees.
    alsoIn: async (tx) => {
      observe = await queueClusterObservations(tx, c, 'cluster.start');
    },
  });
  await dispatchAll(ctx, observe);
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
    // Nothing observes its workloads while it is stopped: `unknown`, with the reason, in this commit.
    alsoIn: async (tx) => {
      await markClusterWorkloadsUnknown(tx, c, 'cluster.stop', stoppedReason(c, 'stopped'));
    },
  });
};

export const restartCluster: Processor<'cluster.restart'> = async (ctx) => {
  const c = await liveCluster(ctx);
  if (!c) return;
  const spec = clusterSpec(c);
  const stopped = await ctx.drivers.clusters.stop(spec, ctx.driverCtx);
  expect(stopped, 'stopped', c.name);
  await ctx.lease.commit(async (tx) => {
    await markClusterWorkloadsUnknown(tx, c, 'cluster.restart', stoppedReason(c, 'restarted'));
    await appendEvent(tx, ctx.op.id, 'running', `cluster ${c.name} stopped; starting again`);
  });
  const obs = await ctx.drivers.clusters.start(spec, ctx.driverCtx);
  expect(obs, 'running', c.name);
  let observe: Operation[] = [];
  await ctx.lease.succeed({
    resourceStatus: 'running',
    resourceSet: { kubeContext: obs.kubeContext, error: null },
    message: `cluster ${c.name} restarted`,
    result: obs,
    alsoIn: async (tx) => {
      observe = await queueClusterObservations(tx, c, 'cluster.restart');
    },
  });
  await dispatchAll(ctx, observe);
};

export const deleteCluster: Processor<'cluster.delete'> = async ({ op, lease, deps, drivers, driverCtx }) => {
  const c = await loadClusterForWorker(deps, op.resourceId);
  if (c) await drivers.clusters.delete(clusterSpec(c), driverCtx);
  await lease.succeed({ message: `cluster ${c?.name ?? op.resourceId} deleted` });
};
