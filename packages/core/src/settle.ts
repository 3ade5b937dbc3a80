// How an operation's observed outcome becomes the resource's state: the domain rules the worker's
// processors used to carry. A processor claims, calls the driver and hands what the driver observed
// here; these rules decide the status. Observations are structural (core does not import drivers).
import type { ChartFinding } from '@slipway/db';
import { unknownUnlessClusterRuns } from './cluster-workloads.ts';
import type { Lease } from './operations/lease.ts';

/** What a workload driver reports at the end of a rollout wait. */
export type RolloutObservation = {
  phase: 'running' | 'progressing' | 'failed' | 'absent';
  desiredReplicas: number;
  availableReplicas: number;
  reason?: string | undefined;
};

/** What a workload driver reports at the end of a service wait. */
export type ServiceObservation = {
  phase: 'active' | 'pending' | 'failed' | 'absent';
  reason?: string | undefined;
  ingress?: string[] | undefined;
};

/** What a chart tool reports for a chart. */
export type ChartValidationObservation = { valid: boolean; validator: string; findings: ChartFinding[] };

/**
 * Settles a deployment operation from the rollout the driver observed: `running` succeeds, anything
 * else (failed, or still progressing at the deadline) fails the operation.
 *
 * "Latest generation wins": every desired-state change bumps the deployment's generation and records
 * it on its operation. Only the operation carrying the current generation may decide the status; an
 * older one that finishes later (its spec was superseded while it rolled out) records the replicas it
 * saw without moving the status. The check is part of the settling UPDATE (`generation` on the
 * settlement), so a change committed meanwhile cannot be overwritten. An operation recorded before
 * generations existed carries none and counts as latest.
 */
export async function settleRollout(
  lease: Lease<'deployment'>,
  generation: number | undefined,
  obs: RolloutObservation,
  opts: { timeoutMs: number; extra?: Record<string, unknown> },
): Promise<void> {
  // An applied rollout is observed state: whatever `reason` said before (e.g. `unknown` while its
  // cluster was stopped) no longer holds.
  const set = { availableReplicas: obs.availableReplicas, reason: null };
  if (obs.phase === 'running') {
    await lease.succeed({
      resourceStatus: 'running',
      generation,
      resourceSet: { ...set, error: null },
      result: { ...obs, ...opts.extra },
      message: `rollout complete: ${obs.availableReplicas}/${obs.desiredReplicas} replicas available`,
      // Its cluster began to stop while this rolled out: `unknown`, not a `running` nobody observes.
      alsoIn: (tx) => unknownUnlessClusterRuns(tx, 'deployment', lease.op.resourceId),
    });
    return;
  }
  const reason =
    obs.phase === 'failed'
      ? `rollout failed: ${obs.reason ?? 'unknown reason'}`
      : `rollout did not finish within ${Math.round(opts.timeoutMs / 1000)}s${obs.reason ? `: ${obs.reason}` : ''}`;
  await lease.fail(reason, { resourceStatus: 'failed', generation, resourceSet: set });
}

/**
 * Settles a service operation: `active` succeeds; a service still `pending` when the wait ends (no
 * ready endpoints, no load-balancer ingress) fails, like one the driver reports failed. Either way the
 * service moves to `failed` with the reason recorded, so a client polling it sees why.
 */
export async function settleServiceRollout(
  lease: Lease<'service'>,
  obs: ServiceObservation,
  opts: { timeoutMs: number },
): Promise<void> {
  if (obs.phase === 'active') {
    await lease.succeed({
      resourceStatus: 'active',
      resourceSet: { reason: null, error: null },
      result: { ...obs },
      message: `service active${obs.ingress?.length ? ` at ${obs.ingress.join(', ')}` : ''}`,
      alsoIn: (tx) => unknownUnlessClusterRuns(tx, 'service', lease.op.resourceId),
    });
    return;
  }
  const reason = obs.reason ?? (obs.phase === 'pending' ? 'no ready endpoints' : 'service failed');
  await lease.fail(
    obs.phase === 'pending'
      ? `service still pending after ${Math.round(opts.timeoutMs / 1000)}s: ${reason}`
      : reason,
    { resourceStatus: 'failed', resourceSet: { reason } },
  );
}

/**
 * Settles a deployment.observe (its cluster runs again after a stop): the status becomes what the
 * driver observed, never assumed. `running` when the rollout is complete; otherwise `failed` with the
 * reason (crashing, still short of replicas at the deadline, or no longer on the cluster). The
 * operation succeeds either way: observing worked, the deployment is what may have failed. Latest
 * generation wins, as for a rollout.
 */
export async function settleObservedDeployment(
  lease: Lease<'deployment'>,
  generation: number,
  obs: RolloutObservation,
  opts: { timeoutMs: number; cluster: string },
): Promise<void> {
  const counts = `${obs.availableReplicas}/${obs.desiredReplicas} replicas available`;
  const reason =
    obs.phase === 'running'
      ? null
      : obs.phase === 'absent'
        ? `not found on cluster ${opts.cluster} after it ran again`
        : obs.phase === 'failed'
          ? `observed failed after cluster ${opts.cluster} ran again: ${obs.reason ?? 'unknown reason'}`
          : `${counts} ${Math.round(opts.timeoutMs / 1000)}s after cluster ${opts.cluster} ran again${obs.reason ? `: ${obs.reason}` : ''}`;
  await lease.succeed({
    resourceStatus: reason === null ? 'running' : 'failed',
    generation,
    resourceSet: { availableReplicas: obs.availableReplicas, reason, error: reason },
    result: { ...obs },
    message: reason === null ? `observed running: ${counts}` : `observed failed: ${reason}`,
    alsoIn: (tx) => unknownUnlessClusterRuns(tx, 'deployment', lease.op.resourceId),
  });
}

/** Settles a service.observe the same way: `active`, or `failed` with the reason the driver gave. */
export async function settleObservedService(
  lease: Lease<'service'>,
  generation: number,
  obs: ServiceObservation,
  opts: { timeoutMs: number; cluster: string },
): Promise<void> {
  const reason =
    obs.phase === 'active'
      ? null
      : obs.phase === 'absent'
        ? `not found on cluster ${opts.cluster} after it ran again`
        : obs.phase === 'pending'
          ? `still pending ${Math.round(opts.timeoutMs / 1000)}s after cluster ${opts.cluster} ran again: ${obs.reason ?? 'no ready endpoints'}`
          : (obs.reason ?? 'service failed');
  await lease.succeed({
    resourceStatus: reason === null ? 'active' : 'failed',
    generation,
    resourceSet: { reason, error: reason },
    result: { ...obs },
    message:
      reason === null
        ? `observed active${obs.ingress?.length ? ` at ${obs.ingress.join(', ')}` : ''}`
        : `observed failed: ${reason}`,
    alsoIn: (tx) => unknownUnlessClusterRuns(tx, 'service', lease.op.resourceId),
  });
}

/**
 * Settles a chart validation: the chart is `valid` or `invalid` as the validator judged it, with its
 * findings; an invalid chart's error is its first error finding. The operation succeeds either way
 * (validating worked; the chart is what failed).
 */
export async function settleChartValidation(
  lease: Lease<'helm_chart'>,
  v: ChartValidationObservation,
): Promise<void> {
  const errors = v.findings.filter((f) => f.severity === 'error');
  await lease.succeed({
    resourceStatus: v.valid ? 'valid' : 'invalid',
    resourceSet: {
      validator: v.validator,
      findings: v.findings,
      error: v.valid ? null : (errors[0]?.message ?? 'invalid chart'),
    },
    result: { valid: v.valid, validator: v.validator, findings: v.findings },
    message: `${v.validator} validation: ${v.valid ? 'valid' : `invalid (${errors.length} error${errors.length === 1 ? '' : 's'})`}`,
  });
}
