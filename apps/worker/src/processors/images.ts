import { type CoreDeps, loadClusterForWorker, loadImageForWorker } from '@slipway/core';
import type { Processor, ProcessorContext } from '../runner.ts';
import { clusterSpec, imageRefOf, imageSpec } from './specs.ts';

/** The image row: read with the claim when the runner did (processors/index.ts readsResource), else now. */
async function imageOf(
  lease: ProcessorContext<'image.build' | 'image.retag'>['lease'],
  deps: CoreDeps,
  id: string,
) {
  return lease.resource !== undefined ? lease.resource : await loadImageForWorker(deps, id);
}

export const buildImage: Processor<'image.build'> = async ({ op, lease, deps, drivers, driverCtx }) => {
  const image = await imageOf(lease, deps, op.resourceId);
  if (!image || image.deletedAt) {
    await lease.succeed({ message: 'image deleted before the build started; nothing built' });
    return;
  }
  const result = await drivers.images.build(imageSpec(image), driverCtx);
  const ref = imageRefOf(image);
  if (image.push) await drivers.images.push(ref, driverCtx);
  if (image.loadIntoClusterId) {
    const cluster = await loadClusterForWorker(deps, image.loadIntoClusterId);
    if (cluster && !cluster.deletedAt) await drivers.clusters.loadImage(clusterSpec(cluster), ref, driverCtx);
  }
  await lease.succeed({
    resourceStatus: 'built',
    resourceSet: { size: result.size, digest: result.digest, imageId: result.imageId, error: null },
    result: { ...result, ref },
    message: `built ${ref} (${result.size} bytes)`,
  });
};

export const retagImage: Processor<'image.retag'> = async ({ op, lease, deps, drivers, driverCtx }) => {
  const image = await imageOf(lease, deps, op.resourceId);
  if (!image || image.deletedAt) {
    await lease.succeed({ message: 'image deleted; nothing to retag' });
    return;
  }
  const fromTag = op.input.fromTag ?? image.tag;
  const from = imageRefOf(image, fromTag);
  const to = imageRefOf(image);
  const result = await drivers.images.retag(from, to, driverCtx);
  // The record now names the new tag: the old one is removed so the engine mirrors the record.
  if (from !== to) await drivers.images.remove(from, driverCtx);
  await lease.succeed({
    resourceStatus: 'built',
    resourceSet: { size: result.size, digest: result.digest, imageId: result.imageId, error: null },
    result: { ...result, from, to },
    message: `retagged ${from} as ${to}`,
  });
};

export const deleteImage: Processor<'image.delete'> = async ({ op, lease, drivers, driverCtx }) => {
  const ref = op.input.ref;
  if (!ref) {
    await lease.succeed({ message: 'the image had no valid reference; nothing to remove from the engine' });
    return;
  }
  await drivers.images.remove(ref, driverCtx);
  await lease.succeed({ message: `removed ${ref} from the engine` });
};
