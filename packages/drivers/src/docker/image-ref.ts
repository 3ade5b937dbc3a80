import { DriverError } from '../types.ts';

// Docker reference grammar (distribution/reference), reduced to what we tag with: an optional registry
// host[:port], lowercase path components, and a tag. Validated here because an invalid reference reaches
// the engine as a confusing 400/500 after the whole context has been uploaded.
const DOMAIN =
  /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::\d{1,5})?$/;
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^\w[\w.-]{0,127}$/;

/** True when the first component of a repository names a registry rather than a path (docker's rule). */
function isRegistryHost(component: string): boolean {
  return component.includes('.') || component.includes(':') || component === 'localhost';
}

function invalid(message: string): DriverError {
  return new DriverError('invalid_image_ref', message, { retryable: false });
}

/** Validates a repository (`[registry/]path`) without a tag; throws DriverError('invalid_image_ref'). */
export function assertRepository(repository: string): void {
  const parts = repository.split('/');
  if (repository.length === 0 || repository.length > 255) throw invalid(`invalid repository "${repository}"`);
  const first = parts[0] ?? '';
  const pathParts = parts.length > 1 && isRegistryHost(first) ? parts.slice(1) : parts;
  if (pathParts !== parts && !DOMAIN.test(first)) throw invalid(`invalid registry host "${first}"`);
  for (const p of pathParts) {
    if (!PATH_COMPONENT.test(p)) {
      throw invalid(
        `invalid repository component "${p}" in "${repository}" (lowercase letters, digits, . _ -)`,
      );
    }
  }
}

/** `repository/name:tag`, validated. An empty repository yields `name:tag`; trailing slashes are ignored. */
export function imageRef(repository: string, name: string, tag: string): string {
  const repo = repository.replace(/\/+$/, '');
  const full = repo.length > 0 ? `${repo}/${name}` : name;
  assertRepository(full);
  if (!TAG.test(tag))
    throw invalid(`invalid tag "${tag}" (letters, digits, _ . -, at most 128, not starting with . or -)`);
  return `${full}:${tag}`;
}

/**
 * Splits `repo[:tag]` into repository and tag (default `latest`). The tag is what follows the last ':' after the
 * last '/', so a registry port is never mistaken for a tag. Digest references cannot be retag targets.
 */
export function splitImageRef(ref: string): { repository: string; tag: string } {
  if (ref.includes('@')) throw invalid(`"${ref}" is a digest reference; a tag is needed here`);
  const slash = ref.lastIndexOf('/');
  const colon = ref.lastIndexOf(':');
  const hasTag = colon > slash;
  const repository = hasTag ? ref.slice(0, colon) : ref;
  const tag = hasTag ? ref.slice(colon + 1) : 'latest';
  assertRepository(repository);
  if (!TAG.test(tag)) throw invalid(`invalid tag "${tag}"`);
  return { repository, tag };
}
