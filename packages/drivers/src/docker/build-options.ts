// Pure builders and validators for a build: engine build options, git clone arguments, and checks on the
// untrusted parts of a source (git URL, ref, relative paths). No I/O here; tested in build-options.test.ts.
import type { ImageBuildOptions } from 'dockerode';
import { DriverError } from '../types.ts';

function invalidSource(message: string): DriverError {
  return new DriverError('invalid_source', message, { retryable: false });
}

// Control characters and whitespace never belong in a URL, ref or path we hand to git or the engine.
function hasControlOrSpace(s: string, allowSpace = false): boolean {
  for (const ch of s) {
    const c = ch.codePointAt(0) ?? 0;
    if (c < 0x20 || c === 0x7f || (!allowSpace && /\s/.test(ch))) return true;
  }
  return false;
}
const SCP_LIKE = /^git@([A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?):([A-Za-z0-9._~][A-Za-z0-9._~/-]*)$/;

/**
 * Accepts only `https://host/...` and scp-like `git@host:path`. Everything else (file://, ext::, ssh:// with
 * options, local paths, `-`-prefixed strings git would read as options) is refused before git ever sees it.
 */
export function validateGitUrl(url: string): { kind: 'https' | 'ssh'; display: string } {
  if (url.length === 0 || url.length > 2048 || hasControlOrSpace(url)) {
    throw invalidSource('git URL is empty, too long or contains whitespace/control characters');
  }
  if (url.startsWith('https://')) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw invalidSource(`git URL "${url}" is not a valid https URL`);
    }
    if (parsed.protocol !== 'https:' || parsed.hostname.length === 0) {
      throw invalidSource(`git URL "${url}" is not a valid https URL`);
    }
    return { kind: 'https', display: redactUrl(url) };
  }
  const m = SCP_LIKE.exec(url);
  if (m) {
    const path = m[2] ?? '';
    if (path.split('/').includes('..')) throw invalidSource(`git URL "${url}" contains ".."`);
    return { kind: 'ssh', display: url };
  }
  throw invalidSource(
    `git URL "${redactUrl(url)}" refused: only https:// and git@host:path URLs are allowed`,
  );
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
  const ok =
    /^[A-Za-z0-9][A-Za-z0-9._/-]{0,254}$/.test(ref) &&
    !ref.includes('..') &&
    !ref.includes('//') &&
    !ref.endsWith('/') &&
    !ref.endsWith('.lock') &&
    !ref.endsWith('.');
  if (!ok) throw invalidSource(`git ref "${ref}" is not a valid branch or tag name`);
}

/**
 * A relative path that stays inside its base: no absolute paths, no `..` segment, no NUL or backslash.
 * Returns the normalised relative path ('' for the base itself). Symlinks are checked separately with
 * realpath at resolve time, since only the filesystem knows where they point.
 */
export function normaliseRelativePath(path: string, what: string): string {
  if (path.includes('\0') || path.includes('\\') || hasControlOrSpace(path, true)) {
    throw invalidSource(`${what} "${path}" contains forbidden characters`);
  }
  if (path.startsWith('/')) throw invalidSource(`${what} "${path}" must be relative`);
  const parts = path.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) throw invalidSource(`${what} "${path}" must not contain ".."`);
  return parts.join('/');
}

const BUILD_ARG_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;

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
    if (!BUILD_ARG_KEY.test(k)) throw invalidSource(`build arg name "${k}" is invalid`);
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
}): string[] {
  const protocols = input.protocols ?? ['https', 'ssh'];
  const args = ['-c', 'protocol.allow=never'];
  for (const p of protocols) args.push('-c', `protocol.${p}.allow=always`);
  args.push('clone', '--depth', '1', '--single-branch', '--no-tags');
  if (input.ref !== undefined) {
    validateGitRef(input.ref);
    args.push('--branch', input.ref);
  }
  args.push('--', input.url, input.dest);
  return args;
}
