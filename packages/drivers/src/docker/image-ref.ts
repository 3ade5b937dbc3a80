import {
  InvalidImageReference,
  imageReferenceOf,
  parseImageReference,
  repositoryOf,
  tagOrLatest,
  validateRepository,
} from '@slipway/contract/image-reference';
import { DriverError, type ImageSpec } from '../types.ts';

// The drivers' face of @slipway/contract/image-reference (the one grammar the API validates with):
// the same rules, failing as a non-retryable DriverError('invalid_image_ref'). Validated before any
// engine call because an invalid reference reaches the engine as a confusing 400/500 after the whole
// context has been uploaded. Used by the Docker builder and the sandbox's simulated engine alike.

function invalid(message: string): DriverError {
  return new DriverError('invalid_image_ref', message, { retryable: false });
}

function driverError<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof InvalidImageReference) throw invalid(e.message);
    throw e;
  }
}

/** Validates a repository (`[registry/]path`) without a tag; throws DriverError('invalid_image_ref'). */
export function assertRepository(repository: string): void {
  const issue = validateRepository(repository);
  if (issue) throw invalid(`invalid repository "${repository}": ${issue}`);
}

/** `repository/name:tag`, validated (an empty repository yields `name:tag`). */
export function imageRef(repository: string, name: string, tag: string): string {
  return driverError(() => imageReferenceOf({ repository, name, tag }));
}

/** The reference an image spec is built and tagged as. */
export function imageReference(spec: Pick<ImageSpec, 'repository' | 'name' | 'tag'>): string {
  return imageRef(spec.repository, spec.name, spec.tag);
}

/**
 * Splits `repo[:tag]` into repository and tag (default `latest`), validated. A registry port is never
 * mistaken for a tag. Digest references cannot be retag or push targets.
 */
export function splitImageRef(ref: string): { repository: string; tag: string } {
  const parsed = driverError(() => parseImageReference(ref));
  if (parsed.digest !== null) throw invalid(`"${ref}" is a digest reference; a tag is needed here`);
  return { repository: repositoryOf(parsed), tag: tagOrLatest(parsed) ?? 'latest' };
}
