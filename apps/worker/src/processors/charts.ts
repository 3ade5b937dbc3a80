import { loadChartForWorker } from '@slipway/core';
import type { Processor } from '../runner.ts';
import { chartSpec } from './specs.ts';

export const validateChart: Processor<'chart.validate'> = async ({ op, lease, deps, drivers, driverCtx }) => {
  const chart = await loadChartForWorker(deps, op.resourceId);
  if (!chart || chart.deletedAt) {
    await lease.succeed({ message: 'chart deleted; nothing to validate' });
    return;
  }
  const v = await drivers.charts.validate(chartSpec(chart), driverCtx);
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
};
