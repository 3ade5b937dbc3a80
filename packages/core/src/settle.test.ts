import { describe, expect, it } from 'vitest';
import { carriesLatestGeneration } from './settle.ts';

describe('latest generation wins', () => {
  it('the operation carrying the current generation decides the status', () => {
    expect(carriesLatestGeneration(3, 3)).toBe(true);
  });
  it('an older operation that finishes later does not', () => {
    expect(carriesLatestGeneration(3, 2)).toBe(false);
  });
  it('an operation recorded before generations existed counts as latest', () => {
    expect(carriesLatestGeneration(5, undefined)).toBe(true);
  });
});
