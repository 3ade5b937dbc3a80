export { measureContext, packContext, resolveInside, shallowClone } from './build-context.ts';
export {
  buildImageOptions,
  gitCloneArgs,
  normaliseRelativePath,
  redactUrl,
  validateGitRef,
  validateGitUrl,
} from './build-options.ts';
export {
  DockerImageBuilder,
  type DockerImageBuilderOptions,
  type DockerProbe,
  digestFromInspect,
  IMAGE_ID_LABEL,
} from './docker-image-builder.ts';
export {
  driverErrorFromEngine,
  type EngineEvent,
  engineMessage,
  eventError,
  eventLogLines,
  readEngineStream,
  registryError,
  stepProgress,
} from './engine-events.ts';
export { assertRepository, imageRef, imageReference, splitImageRef } from './image-ref.ts';
