import { describe, expect, it } from 'vitest';
import {
  buildImageOptions,
  gitCloneArgs,
  normaliseRelativePath,
  redactUrl,
  validateGitRef,
  validateGitUrl,
} from './build-options.ts';

describe('validateGitUrl', () => {
  it('accepts https and git@ URLs', () => {
    expect(validateGitUrl('https://github.com/acme/app.git').kind).toBe('https');
    expect(validateGitUrl('git@github.com:acme/app.git').kind).toBe('ssh');
  });

  it('refuses every other transport and option-looking input', () => {
    for (const url of [
      'http://github.com/acme/app.git',
      'file:///etc',
      '/srv/repo',
      'ext::sh -c touch% /tmp/pwned',
      'ssh://git@github.com/acme/app.git',
      '--upload-pack=touch /tmp/x',
      'git@github.com:acme/../../etc',
      'git@-oProxyCommand=x:acme/app',
      'https://github.com/acme/app.git\n--config',
      '',
    ]) {
      expect(() => validateGitUrl(url), url).toThrow(
        expect.objectContaining({ code: 'invalid_source', retryable: false }),
      );
    }
  });

  it('refuses credentials in the URL (it is stored and shown back) without repeating them', () => {
    expect(() => validateGitUrl('https://user:token@github.com/acme/app.git')).toThrow(/credentials/);
    expect(() => validateGitUrl('https://user:token@github.com/acme/app.git')).not.toThrow(/token@/);
    expect(redactUrl('https://user:token@github.com/a.git')).toBe('https://***@github.com/a.git');
  });
});

describe('validateGitRef', () => {
  it('accepts branch and tag names, refuses option-like and malformed ones', () => {
    for (const ok of ['main', 'release/1.2', 'v1.0.0', 'feature_x-y'])
      expect(() => validateGitRef(ok)).not.toThrow();
    for (const bad of ['-b', '--upload-pack=x', 'a..b', 'a b', 'x.lock', 'a//b', 'a/', '']) {
      expect(() => validateGitRef(bad), bad).toThrow(expect.objectContaining({ code: 'invalid_source' }));
    }
  });
});

describe('normaliseRelativePath', () => {
  it('normalises harmless forms', () => {
    expect(normaliseRelativePath('apps/api/', 'p')).toBe('apps/api');
    expect(normaliseRelativePath('./apps//api', 'p')).toBe('apps/api');
    expect(normaliseRelativePath('', 'p')).toBe('');
    expect(normaliseRelativePath('.', 'p')).toBe('');
  });
  it('rejects escapes', () => {
    for (const bad of ['../x', 'a/../../b', '/etc', 'a\\..\\b', 'a\0b', 'a/..']) {
      expect(() => normaliseRelativePath(bad, 'p'), bad).toThrow(
        expect.objectContaining({ code: 'invalid_source' }),
      );
    }
  });
});

describe('buildImageOptions', () => {
  it('tags the reference, defaults the Dockerfile and removes intermediate containers', () => {
    expect(buildImageOptions({ ref: 'x/y:1' })).toEqual({
      t: 'x/y:1',
      dockerfile: 'Dockerfile',
      buildargs: {},
      labels: {},
      rm: true,
      forcerm: true,
    });
  });
  it('passes a relative dockerfile, build args and labels', () => {
    const o = buildImageOptions({
      ref: 'x/y:1',
      dockerfile: 'docker/Dockerfile.prod',
      buildArgs: { NODE_ENV: 'production' },
      labels: { a: 'b' },
    });
    expect(o).toMatchObject({
      dockerfile: 'docker/Dockerfile.prod',
      buildargs: { NODE_ENV: 'production' },
      labels: { a: 'b' },
    });
  });
  it('refuses a dockerfile outside the context and odd build arg names', () => {
    expect(() => buildImageOptions({ ref: 'x/y:1', dockerfile: '../Dockerfile' })).toThrow(/\.\./);
    expect(() => buildImageOptions({ ref: 'x/y:1', dockerfile: '/etc/passwd' })).toThrow(/relative/);
    expect(() => buildImageOptions({ ref: 'x/y:1', buildArgs: { 'A=B': 'x' } })).toThrow(/build arg/);
  });
});

describe('gitCloneArgs', () => {
  it('is a shallow single-branch clone with options ended before the URL', () => {
    expect(gitCloneArgs({ url: 'https://h/r.git', ref: 'main', dest: '/tmp/x' })).toEqual([
      '-c',
      'protocol.allow=never',
      '-c',
      'protocol.https.allow=always',
      '-c',
      'protocol.ssh.allow=always',
      'clone',
      '--depth',
      '1',
      '--single-branch',
      '--no-tags',
      '--branch',
      'main',
      '--',
      'https://h/r.git',
      '/tmp/x',
    ]);
  });
  it('omits --branch without a ref and validates the ref it is given', () => {
    expect(gitCloneArgs({ url: 'https://h/r.git', dest: '/d' })).not.toContain('--branch');
    expect(() => gitCloneArgs({ url: 'https://h/r.git', ref: '--upload-pack=x', dest: '/d' })).toThrow();
  });
});
