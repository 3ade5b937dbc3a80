import { describe, expect, it } from 'vitest';
import { commaList, gitAllowedHostsSetting } from './settings.ts';

describe('shared settings', () => {
  it('GIT_ALLOWED_HOSTS: a comma-separated list, trimmed, empty items dropped, none by default', () => {
    expect(gitAllowedHostsSetting.parse(undefined)).toEqual([]);
    expect(gitAllowedHostsSetting.parse('')).toEqual([]);
    expect(gitAllowedHostsSetting.parse(' git.internal , 10.0.0.5,,')).toEqual(['git.internal', '10.0.0.5']);
    expect(commaList('a,b')).toEqual(['a', 'b']);
  });
});
