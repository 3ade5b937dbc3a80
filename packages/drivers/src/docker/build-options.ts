// Pure builders and validators for a build: engine build options, git clone arguments, and checks on the
// untrusted parts of a source (git URL, ref, relative paths). No I/O here; tested in build-options.test.ts.

import {
  buildArgNameIssue,
  gitRefIssue,
  gitUrlIssue,
  normaliseRelative,
  parseGitUrl,
  relativePathIssue,
} from '@slipway/contract/build-source';
import type { ImageBuildOptions } from 'dockerode';
import { DriverError } from '../types.ts';

function invalidSource(message: string): DriverError {
  return new DriverError('invalid_source', message, { retryable: false });
}

// Control characters and whitespace never belong in a URL, ref or path we hand to git or the engine.
/**
 * Accepts only `https://host/...` and scp-like `git@host:path`. Everything else (file://, ext::, ssh:// with
 * options, local paths, `-`-prefixed strings git would read as options) is refused before git ever sees it.
 * The rules are @slipway/contract/build-source's, the same the API's schemas answer 422 with.
 */
export function validateGitUrl(url: string): {
  kind: 'https' | 'ssh';
  display: string;
  host: string;
  port: number | null;
} {
  const issue = gitUrlIssue(url);
  if (issue) throw invalidSource(`git URL "${redactUrl(url)}" refused: ${issue}`);
  const parsed = parseGitUrl(url);
  if (!parsed) throw invalidSource(`git URL "${redactUrl(url)}" refused`);
  return { ...parsed, display: parsed.kind === 'https' ? redactUrl(url) : url };
}

/** Hides credentials embedded in an https URL before it reaches logs or error messages. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.username || u.password) {
      u.username = '***';
      u.password = '';
    }
    return u.toString();
  } catch {
    return url;
  }
}

/** A branch or tag name as `git clone --branch` accepts it (commit SHAs are not clonable shallowly by name). */
export function validateGitRef(ref: string): void {
  const issue = gitRefIssue(ref);
  if (issue) throw invalidSource(`git ref "${ref}" is not a valid branch or tag name: ${issue}`);
}

/**
 * A relative path that stays inside its base: no absolute paths, no `..` segment, no NUL or backslash.
 * Returns the normalised relative path ('' for the base itself). Symlinks are checked separately with
 * realpath at resolve time, since only the filesystem knows where they point.
 */
export function normaliseRelativePath(path: string, what: string): string {
  const issue = relativePathIssue(path);
  if (issue) throw invalidSource(`${what} "${path}" ${issue}`);
  return normaliseRelative(path);
}

/**
 * Options for `POST /build` (classic builder, which is what a bare engine API call gets). `rm`/`forcerm`
 * remove intermediate containers even when a step fails, so failed builds leave nothing running behind.
 */
export function buildImageOptions(input: {
  ref: string;
  dockerfile?: string | null;
  buildArgs?: Record<string, string> | null;
  labels?: Record<string, string>;
}): ImageBuildOptions {
  const dockerfile = normaliseRelativePath(input.dockerfile ?? 'Dockerfile', 'dockerfile');
  if (dockerfile === '') throw invalidSource('dockerfile must name a file inside the context');
  const buildargs: Record<string, string> = {};
  for (const [k, v] of Object.entries(input.buildArgs ?? {})) {
    if (buildArgNameIssue(k)) throw invalidSource(`build arg name "${k}" is invalid`);
    buildargs[k] = v;
  }
  return {
    t: input.ref,
    dockerfile,
    buildargs,
    labels: input.labels ?? {},
    rm: true,
    forcerm: true,
  };
}

/**
 * `git clone` arguments for a shallow, single-branch clone. `protocol.allow=never` plus explicit allows is
 * defence in depth behind validateGitUrl (it also covers redirects and submodule URLs); `--` ends options so
 * the URL can never be read as one.
 */
export function gitCloneArgs(input: {
  url: string;
  ref?: string;
  dest: string;
  protocols?: readonly ('https' | 'ssh' | 'file')[];
  /** The checked address an https clone must connect to (curl's resolve list; see git-host.ts). */
  pin?: { kind: 'https' | 'ssh'; host: string; port: number; address: string };
}): string[] {
  const protocols = input.protocols ?? ['https', 'ssh'];
  const args = ['-c', 'protocol.allow=never'];
  for (const p of protocols) args.push('-c', `protocol.${p}.allow=always`);
  if (input.pin?.kind === 'https') {
    const address = input.pin.address.includes(':') ? `[${input.pin.address}]` : input.pin.address;
    args.push('-c', `http.curloptResolve=${input.pin.host}:${input.pin.port}:${address}`);
  }
  args.push('clone', '--depth', '1', '--single-branch', '--no-tags');
  if (input.ref !== undefined) {
    validateGitRef(input.ref);
    args.push('--branch', input.ref);
  }
  args.push('--', input.url, input.dest);
  return args;
}
