import { describe, expect, it } from 'vitest';
import {
  dockerfileIssue,
  gitHostIssue,
  gitRefIssue,
  gitUrlIssue,
  parseGitUrl,
  relativePathIssue,
} from './build-source.ts';

describe('build sources', () => {
  it('git URLs: https and git@ only, nothing option-like', () => {
    expect(gitUrlIssue('https://github.com/acme/app.git')).toBeNull();
    expect(gitUrlIssue('git@github.com:acme/app.git')).toBeNull();
    for (const bad of [
      'http://x/a',
      'file:///etc',
      'ext::sh -c x',
      'git@-oProxyCommand=x:acme/app',
      'git@h:-x',
      'git@h:a/../../b',
      '',
    ]) {
      expect(gitUrlIssue(bad), bad).not.toBeNull();
    }
    expect(parseGitUrl('https://[::1]:8443/a.git')).toEqual({ kind: 'https', host: '::1', port: 8443 });
    expect(parseGitUrl('git@github.com:acme/app.git')).toEqual({
      kind: 'ssh',
      host: 'github.com',
      port: null,
    });
  });

  it('refs and paths', () => {
    expect(gitRefIssue('release/1.2')).toBeNull();
    for (const bad of ['-b', 'a..b', 'x.lock', 'a//b']) expect(gitRefIssue(bad), bad).not.toBeNull();
    expect(relativePathIssue('apps/api')).toBeNull();
    for (const bad of ['../../../etc/passwd', '/etc/passwd', 'a\\b', 'a\0b'])
      expect(relativePathIssue(bad), bad).not.toBeNull();
    expect(dockerfileIssue('.')).not.toBeNull();
    expect(dockerfileIssue('docker/Dockerfile')).toBeNull();
  });

  it.each([
    '169.254.169.254',
    '127.0.0.1',
    'localhost',
    'LOCALHOST',
    'api.localhost',
    '::1',
    '[::1]',
    '10.0.0.1',
    '172.20.1.1',
    '192.168.1.10',
    '0.0.0.0',
    '::ffff:127.0.0.1',
    '::ffff:192.168.1.1',
    'fd00::1',
    'fe80::1',
    '2130706433',
    '0x7f.1',
    'metadata.google.internal',
  ])('refuses %s', (host) => {
    expect(gitHostIssue(host)).toMatch(/not allowed/);
  });

  it.each(['github.com', '140.82.112.3', '2606:4700::1111', '172.32.0.1'])('allows %s', (host) => {
    expect(gitHostIssue(host)).toBeNull();
  });

  it('GIT_ALLOWED_HOSTS lets a named internal host through', () => {
    expect(gitHostIssue('10.0.0.5', ['10.0.0.5'])).toBeNull();
    expect(gitHostIssue('10.0.0.6', ['10.0.0.5'])).not.toBeNull();
  });
});
