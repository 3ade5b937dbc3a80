import { ImageSource as ImageSourceBody } from '@slipway/contract';
import { describe, expect, it } from 'vitest';

describe('image source validation', () => {
  it.each([
    [{ git: 'https://github.com/acme/api.git', ref: 'main', path: 'backend' }],
    [{ git: 'git@github.com:acme/api.git' }],
    [{ path: 'services/api' }],
  ])('accepts %j', (src) => {
    expect(ImageSourceBody.safeParse(src).success).toBe(true);
  });

  it.each([
    [{ git: 'http://github.com/acme/api.git' }],
    [{ git: 'file:///etc' }],
    [{ git: 'ext::sh -c touch% /tmp/pwned' }],
    [{ git: 'https://github.com/acme/api.git', ref: '--upload-pack=evil' }],
    [{ path: '../../etc' }],
    [{ path: '/etc' }],
    [{ path: 'a/../../b' }],
  ])('rejects %j', (src) => {
    expect(ImageSourceBody.safeParse(src).success).toBe(false);
  });
});
