// Real filesystem and the real git binary (a local repository cloned over file://, since nothing remote is
// reachable here; the builder itself only ever allows https and ssh).
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { measureContext, resolveInside, shallowClone } from './build-context.ts';

let base: string;

beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'slipway-bctx-'));
  await mkdir(join(base, 'root/app/src'), { recursive: true });
  await writeFile(join(base, 'root/app/Dockerfile'), 'FROM scratch\n');
  await writeFile(join(base, 'root/app/src/a.txt'), 'x'.repeat(1000));
  await mkdir(join(base, 'outside'));
  await symlink(join(base, 'outside'), join(base, 'root/out-link'));
  await symlink('app/src', join(base, 'root/in-link'));
});

afterAll(async () => {
  await rm(base, { recursive: true, force: true });
});

describe('resolveInside', () => {
  it('resolves directories inside the root, following symlinks that stay inside', async () => {
    expect(await resolveInside(join(base, 'root'), 'app')).toBe(join(base, 'root/app'));
    expect(await resolveInside(join(base, 'root'), 'in-link')).toBe(join(base, 'root/app/src'));
    expect(await resolveInside(join(base, 'root'), '')).toBe(join(base, 'root'));
  });

  it('rejects symlink escapes, missing paths and files', async () => {
    for (const p of ['out-link', 'nope', 'app/Dockerfile', '../outside']) {
      await expect(resolveInside(join(base, 'root'), p), p).rejects.toMatchObject({
        code: 'invalid_source',
        retryable: false,
      });
    }
  });
});

describe('measureContext', () => {
  it('counts regular files and stops at the cap', async () => {
    expect(await measureContext(join(base, 'root/app'), 10_000)).toEqual({ bytes: 1013, files: 2 });
    await expect(measureContext(join(base, 'root/app'), 500)).rejects.toMatchObject({
      code: 'context_too_large',
    });
  });
});

describe('shallowClone (real git)', () => {
  let repo: string;
  const git = (...args: string[]) =>
    execFileSync('git', args, {
      cwd: repo,
      env: {
        ...process.env,
        GIT_AUTHOR_NAME: 't',
        GIT_AUTHOR_EMAIL: 't@t',
        GIT_COMMITTER_NAME: 't',
        GIT_COMMITTER_EMAIL: 't@t',
      },
    });

  beforeAll(async () => {
    repo = join(base, 'repo');
    await mkdir(join(repo, 'svc'), { recursive: true });
    await writeFile(join(repo, 'svc/Dockerfile'), 'FROM scratch\n');
    git('init', '-q', '-b', 'main');
    git('add', '.');
    git('commit', '-q', '-m', 'one');
    git('checkout', '-q', '-b', 'release');
    await writeFile(join(repo, 'svc/extra.txt'), 'on release only');
    git('add', '.');
    git('commit', '-q', '-m', 'two');
  });

  it('clones one branch at depth 1', async () => {
    const dest = join(base, 'clone-1');
    await shallowClone({
      gitBin: 'git',
      url: `file://${repo}`,
      ref: 'main',
      dest,
      signal: new AbortController().signal,
      protocols: ['file'],
    });
    expect((await readdir(join(dest, 'svc'))).sort()).toEqual(['Dockerfile']);
    expect(execFileSync('git', ['rev-list', '--count', 'HEAD'], { cwd: dest }).toString().trim()).toBe('1');
  });

  it('reports a missing branch as a permanent source_not_found', async () => {
    await expect(
      shallowClone({
        gitBin: 'git',
        url: `file://${repo}`,
        ref: 'no-such-branch',
        dest: join(base, 'clone-2'),
        signal: new AbortController().signal,
        protocols: ['file'],
      }),
    ).rejects.toMatchObject({ code: 'source_not_found', retryable: false });
  });

  it('refuses a transport that was not allowed, even if the URL reached git', async () => {
    await expect(
      shallowClone({
        gitBin: 'git',
        url: `file://${repo}`,
        dest: join(base, 'clone-3'),
        signal: new AbortController().signal,
      }),
    ).rejects.toMatchObject({ code: 'git_clone_failed' });
  });

  it('rejects with the abort reason when cancelled', async () => {
    const ac = new AbortController();
    const reason = new Error('cancelled');
    ac.abort(reason);
    await expect(
      shallowClone({
        gitBin: 'git',
        url: `file://${repo}`,
        dest: join(base, 'clone-4'),
        signal: ac.signal,
        protocols: ['file'],
      }),
    ).rejects.toBe(reason);
  });
});
