// The one image-reference module: how Slipway parses, formats and validates Docker image references.
// The API validates request fields with the `validate*` predicates (a 422 naming the field and the
// returned issue), core and the worker compose references with `imageReferenceOf`, the drivers and the
// AI analyzers split them with `splitImageReference`. One grammar everywhere, so the edge rejects
// exactly what the worker would reject.
//
// Grammar: distribution/reference (the grammar `docker pull` accepts), reduced where Slipway is stricter:
//   reference  := repository [ ":" tag ] [ "@" digest ]
//   repository := [ registry "/" ] path-component ( "/" path-component )*     (at most 255 characters)
//   registry   := host [ ":" port ]      host: DNS name, IPv4 or [IPv6]
//   path-component := [a-z0-9]+ ( ( "." | "_" | "__" | "-"+ ) [a-z0-9]+ )*
//   tag        := [A-Za-z0-9_] [A-Za-z0-9_.-]{0,127}
//   digest     := algorithm ":" hex    (sha256: 64 lowercase hex digits)
// The first component is a registry only when it contains "." or ":" or is "localhost" (docker's rule;
// docker also treats an uppercase first component as a host, Slipway rejects it as an uppercase path:
// a repository typed as "TodoApp/api" is a mistake far more often than a registry named TodoApp).
//
// This file imports nothing: it is shared by packages that may not depend on zod or on each other
// (drivers and ai import only this subpath of @slipway/contract).

export const REPOSITORY_MAX = 255;
export const TAG_MAX = 128;

const HOST_COMPONENT = /^[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?$/;
const IPV6 = /^\[[a-fA-F0-9:]+\]$/;
const PORT = /^\d{1,5}$/;
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const DIGEST = /^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]{32,}$/;
const SHA256 = /^sha256:[a-f0-9]{64}$/;

/** A reference split into its parts. `registry` is null when the reference names none (Docker Hub). */
export type ImageReference = {
  /** `host[:port]`, exactly as written; null when the reference names no registry. */
  registry: string | null;
  /** The path inside the registry, e.g. `todo-app/todo-backend` or `nginx`. */
  path: string;
  /** null when the reference has no tag (a bare name means `latest`; see `tagOrLatest`). */
  tag: string | null;
  digest: string | null;
};

/** Thrown by the parsing and formatting functions; `issue` is the same text the `validate*` functions return. */
export class InvalidImageReference extends Error {
  readonly reference: string;
  readonly issue: string;
  constructor(reference: string, issue: string) {
    super(`invalid image reference "${reference}": ${issue}`);
    this.name = 'InvalidImageReference';
    this.reference = reference;
    this.issue = issue;
  }
}

/** True when `component` (the text before the first '/') names a registry host rather than a path. */
export function isRegistryComponent(component: string): boolean {
  return component.includes('.') || component.includes(':') || component === 'localhost';
}

/** `repository/name` → registry and path, by docker's rule. A single component is always a path. */
function splitRepository(repository: string): { registry: string | null; path: string } {
  const slash = repository.indexOf('/');
  if (slash < 0) return { registry: null, path: repository };
  const first = repository.slice(0, slash);
  return isRegistryComponent(first)
    ? { registry: first, path: repository.slice(slash + 1) }
    : { registry: null, path: repository };
}

/**
 * Splits a reference into registry, path, tag and digest without validating it (use it to describe a
 * reference that may be invalid, e.g. one quoted in a kubelet message). A ':' before the last '/' is a
 * registry port, never a tag.
 */
export function splitImageReference(reference: string): ImageReference {
  let rest = reference.trim();
  let digest: string | null = null;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  let tag: string | null = null;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
  }
  return { ...splitRepository(rest), tag, digest };
}

/** `registry/path` (or `path`): the reference without tag and digest. */
export function repositoryOf(ref: Pick<ImageReference, 'registry' | 'path'>): string {
  return ref.registry === null ? ref.path : `${ref.registry}/${ref.path}`;
}

/** The tag a pull uses: the reference's, or `latest` when it has neither tag nor digest. */
export function tagOrLatest(ref: Pick<ImageReference, 'tag' | 'digest'>): string | null {
  return ref.tag ?? (ref.digest === null ? 'latest' : null);
}

/** `host[:port]` of a registry; null when valid, else the issue. */
export function validateRegistry(registry: string): string | null {
  const colon = registry.startsWith('[')
    ? registry.indexOf(':', registry.indexOf(']'))
    : registry.indexOf(':');
  const host = colon >= 0 ? registry.slice(0, colon) : registry;
  const port = colon >= 0 ? registry.slice(colon + 1) : null;
  const hostOk = IPV6.test(host) || (host !== '' && host.split('.').every((c) => HOST_COMPONENT.test(c)));
  if (!hostOk) return `registry host "${host}" is not a valid host name`;
  if (port !== null && (!PORT.test(port) || Number(port) > 65_535))
    return `registry port "${port}" must be a number from 0 to 65535`;
  return null;
}

/** Path components only (no registry): an image record's `name`, or the path part of a repository. */
export function validateImagePath(path: string): string | null {
  if (path === '') return 'must not be empty';
  if (path.endsWith('/')) return 'must not end with "/"';
  for (const c of path.split('/')) {
    if (c === '') return 'must not contain an empty path component ("//" or a leading "/")';
    if (!PATH_COMPONENT.test(c)) {
      return `path component "${c}" must be lowercase letters and digits, separated by ".", "_", "__" or "-"`;
    }
  }
  return null;
}

/** An image record's name (`todo-backend`, `team/api`): lowercase path components. Null when valid. */
export function validateImageName(name: string): string | null {
  return validateImagePath(name);
}

/** A full repository `[registry/]path` without tag or digest. Null when valid, else the issue. */
export function validateRepository(repository: string): string | null {
  if (repository === '') return 'must not be empty';
  if (repository.length > REPOSITORY_MAX) return `must be at most ${REPOSITORY_MAX} characters`;
  if (repository.endsWith('/')) return 'must not end with "/"';
  const { registry, path } = splitRepository(repository);
  if (registry !== null) {
    const issue = validateRegistry(registry);
    if (issue) return issue;
  }
  return validateImagePath(path);
}

/**
 * An image record's `repository`: where its name lives (`docker.io/todo-app`, `localhost:5000`,
 * `acme`): a registry, a registry and a path, or a path. Null when valid, else the issue.
 */
export function validateImageRepository(repository: string): string | null {
  if (repository === '') return 'must not be empty';
  if (repository.endsWith('/')) return 'must not end with "/"';
  // Valid exactly when `repository/<any valid name>` is a valid repository.
  const issue = validateRepository(`${repository}/x`);
  return issue === `must be at most ${REPOSITORY_MAX} characters`
    ? `must be at most ${REPOSITORY_MAX - 2} characters`
    : issue;
}

export function validateTag(tag: string): string | null {
  if (tag === '') return 'must not be empty';
  if (!TAG.test(tag)) {
    return `tag "${tag}" must be at most ${TAG_MAX} letters, digits, "_", "." or "-", not starting with "." or "-"`;
  }
  return null;
}

export function validateDigest(digest: string): string | null {
  if (!DIGEST.test(digest) || (digest.startsWith('sha256:') && !SHA256.test(digest))) {
    return `digest "${digest}" must be algorithm:hex (sha256: 64 lowercase hex digits)`;
  }
  return null;
}

/** A full reference `repository[:tag][@digest]` (a deployment's `image`). Null when valid, else the issue. */
export function validateImageReference(reference: string): string | null {
  if (reference === '') return 'must not be empty';
  if (reference.trim() !== reference) return 'must not contain spaces';
  const parts = splitImageReference(reference);
  const issue = validateRepository(repositoryOf(parts));
  if (issue) return issue;
  if (parts.tag !== null) {
    const t = validateTag(parts.tag);
    if (t) return t;
  }
  if (parts.digest !== null) return validateDigest(parts.digest);
  return null;
}

/** Validates and splits a full reference; throws InvalidImageReference. */
export function parseImageReference(reference: string): ImageReference {
  const issue = validateImageReference(reference);
  if (issue) throw new InvalidImageReference(reference, issue);
  return splitImageReference(reference);
}

/** Joins parts into a reference, validated; throws InvalidImageReference. */
export function formatImageReference(ref: {
  registry?: string | null | undefined;
  path: string;
  tag?: string | null | undefined;
  digest?: string | null | undefined;
}): string {
  const repository = repositoryOf({ registry: ref.registry ?? null, path: ref.path });
  const text = `${repository}${ref.tag != null ? `:${ref.tag}` : ''}${ref.digest != null ? `@${ref.digest}` : ''}`;
  const issue = validateImageReference(text);
  if (issue) throw new InvalidImageReference(text, issue);
  // A path that itself looks like a registry ("a.b/c" with no registry given) would change meaning.
  const back = splitImageReference(text);
  if ((back.registry ?? null) !== (ref.registry ?? null))
    throw new InvalidImageReference(text, `path "${ref.path}" would be read as a registry`);
  return text;
}

/** The fields an image record composes its reference from. */
export type ImageParts = { repository: string; name: string; tag: string };

/**
 * An image record's fields, checked together; the first bad field with its issue, or null. `repository`
 * may be empty (the name alone, Docker Hub), as core and the drivers allow; the API requires it.
 */
export function validateImageParts(p: ImageParts): { field: keyof ImageParts; issue: string } | null {
  if (p.repository !== '') {
    const issue = validateImageRepository(p.repository);
    if (issue) return { field: 'repository', issue };
  }
  const name = validateImageName(p.name);
  if (name) return { field: 'name', issue: name };
  const tag = validateTag(p.tag);
  if (tag) return { field: 'tag', issue: tag };
  const full = p.repository === '' ? p.name : `${p.repository}/${p.name}`;
  if (full.length > REPOSITORY_MAX)
    return {
      field: 'name',
      issue: `repository and name together must be at most ${REPOSITORY_MAX} characters`,
    };
  if (p.repository === '' && isRegistryComponent(p.name.split('/')[0] ?? '') && p.name.includes('/'))
    return { field: 'name', issue: `"${p.name}" would be read as a registry; set repository instead` };
  return null;
}

/** `repository/name:tag` of an image record (just `name:tag` when repository is empty); throws InvalidImageReference. */
export function imageReferenceOf(p: ImageParts): string {
  const full = p.repository === '' ? p.name : `${p.repository}/${p.name}`;
  const bad = validateImageParts(p);
  if (bad) throw new InvalidImageReference(`${full}:${p.tag}`, `${bad.field}: ${bad.issue}`);
  return `${full}:${p.tag}`;
}
