import { describe, expect, it } from 'vitest';
import { chartMachine } from './chart.ts';
import { clusterMachine } from './cluster.ts';
import { deploymentMachine } from './deployment.ts';
import { imageMachine } from './image.ts';
import { allowedFrom, assertTransition, canTransition } from './machine.ts';
import { operationMachine } from './operation.ts';
import { serviceMachine } from './service.ts';

describe('status machines', () => {
  it('image: building -> built | failed, rebuild from either', () => {
    expect(canTransition(imageMachine, 'building', 'built')).toBe(true);
    expect(canTransition(imageMachine, 'building', 'failed')).toBe(true);
    expect(canTransition(imageMachine, 'built', 'building')).toBe(true);
    expect(canTransition(imageMachine, 'failed', 'built')).toBe(false);
  });

  it('chart: validating -> valid | invalid, edits re-validate', () => {
    expect(allowedFrom(chartMachine, 'valid')).toEqual(['validating']);
    expect(canTransition(chartMachine, 'valid', 'validating')).toBe(true);
    expect(canTransition(chartMachine, 'invalid', 'valid')).toBe(false);
  });

  it('cluster: the documented lifecycle, and any -> error', () => {
    const path = ['stopped', 'starting', 'running', 'stopping', 'stopped'] as const;
    for (const [i, from] of path.slice(0, -1).entries()) {
      const to = path[i + 1];
      expect(to !== undefined && canTransition(clusterMachine, from, to)).toBe(true);
    }
    expect(canTransition(clusterMachine, 'running', 'restarting')).toBe(true);
    expect(canTransition(clusterMachine, 'restarting', 'running')).toBe(true);
    for (const s of Object.keys(clusterMachine) as (keyof typeof clusterMachine)[]) {
      if (s !== 'error') expect(canTransition(clusterMachine, s, 'error')).toBe(true);
    }
    expect(canTransition(clusterMachine, 'running', 'starting')).toBe(false);
    expect(canTransition(clusterMachine, 'stopped', 'stopping')).toBe(false);
  });

  it('deployment: pending -> running | failed; scaling/updating -> running', () => {
    expect(canTransition(deploymentMachine, 'pending', 'running')).toBe(true);
    expect(canTransition(deploymentMachine, 'pending', 'failed')).toBe(true);
    expect(canTransition(deploymentMachine, 'scaling', 'running')).toBe(true);
    expect(canTransition(deploymentMachine, 'updating', 'running')).toBe(true);
    expect(canTransition(deploymentMachine, 'running', 'pending')).toBe(false);
  });

  it('service: pending -> active | failed', () => {
    expect(canTransition(serviceMachine, 'pending', 'active')).toBe(true);
    expect(canTransition(serviceMachine, 'pending', 'failed')).toBe(true);
    expect(canTransition(serviceMachine, 'failed', 'active')).toBe(false);
  });

  it('deployment and service: any -> unknown (cluster stopped or gone) -> what is observed again', () => {
    for (const from of Object.keys(deploymentMachine) as (keyof typeof deploymentMachine)[])
      expect(canTransition(deploymentMachine, from, 'unknown')).toBe(true);
    for (const from of Object.keys(serviceMachine) as (keyof typeof serviceMachine)[])
      expect(canTransition(serviceMachine, from, 'unknown')).toBe(true);
    expect(canTransition(deploymentMachine, 'unknown', 'running')).toBe(true);
    expect(canTransition(deploymentMachine, 'unknown', 'failed')).toBe(true);
    expect(canTransition(serviceMachine, 'unknown', 'active')).toBe(true);
    expect(canTransition(serviceMachine, 'unknown', 'failed')).toBe(true);
  });

  it('operation: terminal states never move', () => {
    for (const t of ['succeeded', 'failed', 'cancelled'] as const) expect(operationMachine[t]).toEqual([]);
    expect(canTransition(operationMachine, 'running', 'queued')).toBe(true);
  });

  it('assertTransition throws a 409-coded DomainError naming the resource', () => {
    expect(() => assertTransition(clusterMachine, 'cluster', 'c1', 'running', 'starting')).toThrow(
      expect.objectContaining({ code: 'conflict', id: 'c1' }),
    );
  });
});
