// Turning an untrusted source into a build context directory on disk, and that directory into a tar stream.
import { execFile } from 'node:child_process';
import { lstat, readdir, realpath, stat } from 'node:fs/promises';
import { isAbsolute, join, relative } from 'node:path';
import { Readable } from 'node:stream';
import { create as createTar } from 'tar';
import { DriverError } from '../types.ts';
import { gitCloneArgs, normaliseRelativePath, redactUrl } from './build-options.ts';
import type { GitPin } from './git-host.ts';

function invalidSource(message: string): DriverError {
  return new DriverError('invalid_source', message, { retryable: false });
}

/**
 * Resolves `relPath` under `base` and proves, after following every symlink, that it is still inside `base`.
 * The lexical check (normaliseRelativePath) stops `..` and absolute paths; realpath stops a symlink that
 * points out of the base, which is only knowable on disk.
 */
export async function resolveInside(base: string, relPath: string, what = 'path'): Promise<string> {
  const rel = normaliseRelativePath(relPath, what);
  const realBase = await realpath(base).catch((err: unknown) => {
    throw new DriverError('invalid_source', `base directory ${base} is not readable`, { cause: err });
  });
  let real: string;
  try {
    real = await realpath(join(realBase, rel));
  } catch {
    throw invalidSource(`${what} "${relPath}" does not exist`);
  }
  const back = relative(realBase, real);
  if (back === '..' || back.startsWith('../') || isAbsolute(back)) {
    throw invalidSource(`${what} "${relPath}" resolves outside its root`);
  }
  const s = await stat(real);
  if (!s.isDirectory()) throw invalidSource(`${what} "${relPath}" is not a directory`);
  return real;
}

/**
 * Bytes and files of regular files under `dir`, without following symlinks (the tar stream carries
 * symlinks as links, not their targets). Stops as soon as the cap is passed so a huge tree is not walked.
 */
export async function measureContext(
  dir: string,
  maxBytes: number,
): Promise<{ bytes: number; files: number }> {
  let bytes = 0;
  let files = 0;
  const walk = async (d: string): Promise<void> => {
    for (const entry of await readdir(d, { withFileTypes: true })) {
      const p = join(d, entry.name);
      if (entry.isDirectory()) {
        await walk(p);
      } else if (entry.isFile()) {
        bytes += (await lstat(p)).size;
        files += 1;
      } else {
        files += 1;
      }
      if (bytes > maxBytes) {
        throw new DriverError(
          'context_too_large',
          `build context is larger than the ${maxBytes}-byte cap (stopped counting at ${bytes} bytes)`,
          { retryable: false },
        );
      }
    }
  };
  await walk(dir);
  return { bytes, files };
}

/** An uncompressed tar stream of everything in `dir` (paths relative to it, owners dropped). */
export async function packContext(dir: string): Promise<NodeJS.ReadableStream> {
  const entries = await readdir(dir);
  if (entries.length === 0) throw invalidSource('build context is empty');
  // `portable` drops uid/gid/uname and atime so the context does not leak details of this host.
  return Readable.from(createTar({ cwd: dir, portable: true }, entries));
}

/**
 * `git clone --depth 1 [--branch ref] -- url dest` as a child process (array args, no shell). Aborting
 * `signal` kills git; GIT_TERMINAL_PROMPT=0 and ssh BatchMode make a private repo fail instead of hanging
 * on a credentials prompt.
 */
export function shallowClone(input: {
  gitBin: string;
  url: string;
  ref?: string;
  dest: string;
  signal: AbortSignal;
  protocols?: readonly ('https' | 'ssh' | 'file')[];
  /** The address the clone is held to (pinGitHost). */
  pin?: GitPin;
}): Promise<void> {
  const args = gitCloneArgs({
    url: input.url,
    ref: input.ref,
    dest: input.dest,
    protocols: input.protocols,
    pin: input.pin,
  });
  // ssh connects to the checked address; the host key is still looked up under the host's name.
  const sshPin =
    input.pin?.kind === 'ssh' ? ` -o HostName=${input.pin.address} -o HostKeyAlias=${input.pin.host}` : '';
  return new Promise<void>((resolve, reject) => {
    execFile(
      input.gitBin,
      args,
      {
        signal: input.signal,
        maxBuffer: 4 * 1024 * 1024,
        env: {
          ...process.env,
          GIT_TERMINAL_PROMPT: '0',
          GIT_SSH_COMMAND: `ssh -o BatchMode=yes -o StrictHostKeyChecking=accept-new${sshPin}`,
          GIT_LFS_SKIP_SMUDGE: '1',
        },
      },
      (err, _stdout, stderr) => {
        if (!err) return resolve();
        if (input.signal.aborted) return reject(input.signal.reason);
        const detail = String(stderr).trim().split('\n').slice(-3).join(' ') || err.message;
        const notFound = /not found|does not exist|Could not find remote branch|Repository not found/i.test(
          detail,
        );
        reject(
          new DriverError(
            notFound ? 'source_not_found' : 'git_clone_failed',
            `git clone ${redactUrl(input.url)}${input.ref ? ` (ref ${input.ref})` : ''} failed: ${detail}`,
            { retryable: !notFound && !/Permission denied|Authentication failed/i.test(detail), cause: err },
          ),
        );
      },
    );
  });
}
