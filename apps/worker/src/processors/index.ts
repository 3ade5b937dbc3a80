import type { JobName } from '@slipway/jobs';
import type { Processors } from '../runner.ts';
import { aiAnalyze, aiDebug, aiScale } from './ai.ts';
import { validateChart } from './charts.ts';
import { deleteCluster, restartCluster, startCluster, stopCluster } from './clusters.ts';
import { aiDeploy, applyDeployment, deleteDeployment, scaleDeployment } from './deployments.ts';
import { buildImage, deleteImage, retagImage } from './images.ts';
import { observeDeployment, observeService } from './observe.ts';
import { applyService, deleteService } from './services.ts';

/** One processor per job name (the catalog in @slipway/jobs). */
export const processors: Processors = {
  'image.build': buildImage,
  'image.retag': retagImage,
  'image.delete': deleteImage,
  'chart.validate': validateChart,
  'cluster.start': startCluster,
  'cluster.stop': stopCluster,
  'cluster.restart': restartCluster,
  'cluster.delete': deleteCluster,
  'deployment.apply': applyDeployment,
  'deployment.scale': scaleDeployment,
  'deployment.delete': deleteDeployment,
  'deployment.observe': observeDeployment,
  'service.apply': applyService,
  'service.delete': deleteService,
  'service.observe': observeService,
  'ai.deploy': aiDeploy,
  'ai.scale': aiScale,
  'ai.debug': aiDebug,
  'ai.analyze': aiAnalyze,
};

/**
 * Kinds whose processor starts by reading its resource row: the runner reads it in the claim's
 * transaction (`Lease.resource`), one round trip and one commit less per operation.
 */
export const readsResource: ReadonlySet<JobName> = new Set<JobName>(['image.build', 'image.retag']);
