import { loadChartForWorker, settleChartValidation } from '@slipway/core';
import type { Processor } from '../runner.ts';
import { chartSpec } from './specs.ts';

export const validateChart: Processor<'chart.validate'> = async ({ op, lease, deps, drivers, driverCtx }) => {
  const chart = await loadChartForWorker(deps, op.resourceId);
  if (!chart || chart.deletedAt) {
    await lease.succeed({ message: 'chart deleted; nothing to validate' });
    return;
  }
  await settleChartValidation(lease, await drivers.charts.validate(chartSpec(chart), driverCtx));
};
