import { describe, expect, it } from 'vitest';
import { gitCloneArgs, validateGitUrl } from './build-options.ts';
import { DockerImageBuilder } from './docker-image-builder.ts';
import { type Lookup, pinGitHost } from './git-host.ts';

const resolvesTo =
  (...addresses: string[]): Lookup =>
  async () =>
    addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));

describe('git hosts are checked after DNS and the clone is held to the checked address', () => {
  it('refuses a public-looking name that resolves to an internal address (SSRF, rebinding)', async () => {
    for (const internal of ['127.0.0.1', '169.254.169.254', '10.0.0.1', '::1', '::ffff:192.168.1.1']) {
      await expect(
        pinGitHost(validateGitUrl('https://git.example.com/acme/app.git'), {
          lookup: resolvesTo('140.82.112.3', internal),
        }),
        internal,
      ).rejects.toMatchObject({ code: 'invalid_source', retryable: false });
    }
  });

  it('refuses literal internal hosts without a lookup', async () => {
    const never: Lookup = async () => {
      throw new Error('must not resolve');
    };
    for (const url of [
      'https://169.254.169.254/latest/meta-data',
      'https://127.0.0.1:6379/x',
      'https://localhost/x',
      'https://[::1]/x',
      'git@10.0.0.1:acme/app.git',
    ]) {
      await expect(pinGitHost(validateGitUrl(url), { lookup: never }), url).rejects.toMatchObject({
        code: 'invalid_source',
      });
    }
  });

  it('pins https through curl resolve and ssh through HostName; GIT_ALLOWED_HOSTS lets an internal host through', async () => {
    const pin = await pinGitHost(validateGitUrl('https://git.example.com/acme/app.git'), {
      lookup: resolvesTo('140.82.112.3'),
    });
    expect(pin).toEqual({ kind: 'https', host: 'git.example.com', port: 443, address: '140.82.112.3' });
    expect(gitCloneArgs({ url: 'https://git.example.com/acme/app.git', dest: '/tmp/x', pin })).toEqual(
      expect.arrayContaining(['-c', 'http.curloptResolve=git.example.com:443:140.82.112.3']),
    );
    const inside = await pinGitHost(validateGitUrl('git@git.corp:acme/app.git'), {
      allowed: ['git.corp'],
      lookup: resolvesTo('10.1.2.3'),
    });
    expect(inside).toMatchObject({ kind: 'ssh', address: '10.1.2.3', port: 22 });
  });

  it('the Docker builder refuses before cloning or calling the engine', async () => {
    const builder = new DockerImageBuilder({
      buildContextRoot: '/nonexistent',
      gitLookup: resolvesTo('127.0.0.1'),
    });
    const logs: string[] = [];
    await expect(
      builder.build(
        {
          id: '00000000-0000-4000-8000-000000000001',
          name: 'api',
          tag: 'latest',
          repository: 'docker.io/acme',
          source: { git: 'https://git.example.com/acme/app.git' },
          dockerfile: null,
          buildArgs: null,
        } as never,
        { signal: new AbortController().signal, log: (l: string) => logs.push(l) } as never,
      ),
    ).rejects.toMatchObject({ code: 'invalid_source', message: expect.stringContaining('127.0.0.1') });
    expect(logs.some((l) => l.startsWith('Cloning'))).toBe(false);
  });
});
