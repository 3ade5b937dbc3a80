import { describe, expect, it } from 'vitest';
import { DriverError } from '../types.ts';
import { digestFromInspect } from './docker-image-builder.ts';
import { imageRef, splitImageRef } from './image-ref.ts';

describe('imageRef', () => {
  it('joins repository, name and tag', () => {
    expect(imageRef('docker.io/todo-app', 'todo-backend', 'latest')).toBe(
      'docker.io/todo-app/todo-backend:latest',
    );
    expect(imageRef('localhost:5000/team', 'api', 'v1.0.0')).toBe('localhost:5000/team/api:v1.0.0');
    expect(imageRef('', 'api', 'v1')).toBe('api:v1');
  });

  it('rejects uppercase paths, bad tags and injection attempts', () => {
    for (const [repo, name, tag] of [
      ['docker.io/Todo', 'x', 'latest'],
      ['docker.io/todo', 'x', '-bad'],
      ['docker.io/todo', 'x y', 'latest'],
      ['docker.io/todo', '../x', 'latest'],
      ['docker.io/todo', 'x', 'a'.repeat(129)],
      // the API rejects these with a 422 from the same module, so the worker must not accept them either
      ['docker.io/todo/', 'x', 'latest'],
      ['docker.io//todo', 'x', 'latest'],
    ] as const) {
      expect(() => imageRef(repo, name, tag)).toThrow(DriverError);
    }
    try {
      imageRef('docker.io/todo', 'x', '-bad');
    } catch (err) {
      expect(err).toMatchObject({ code: 'invalid_image_ref', retryable: false });
    }
  });
});

describe('splitImageRef', () => {
  it('takes the tag after the last slash, never a registry port', () => {
    expect(splitImageRef('localhost:5000/team/api:v2')).toEqual({
      repository: 'localhost:5000/team/api',
      tag: 'v2',
    });
    expect(splitImageRef('localhost:5000/team/api')).toEqual({
      repository: 'localhost:5000/team/api',
      tag: 'latest',
    });
    expect(() => splitImageRef('api@sha256:abc')).toThrow(/digest/);
  });
});

describe('digestFromInspect', () => {
  const sha = `sha256:${'a'.repeat(64)}`;
  it('is null for an image that was never pushed or pulled', () => {
    expect(digestFromInspect('x/y:1', [])).toBeNull();
    expect(digestFromInspect('x/y:1', null)).toBeNull();
  });
  it('prefers the digest of the reference repository, docker.io prefix or not', () => {
    const other = `sha256:${'b'.repeat(64)}`;
    expect(digestFromInspect('docker.io/todo/api:1', [`reg.example/x@${other}`, `todo/api@${sha}`])).toBe(
      `todo/api@${sha}`,
    );
    // No entry for the repository asked about: the first one is still the image's registry digest.
    expect(digestFromInspect('reg.example/y:1', [`todo/api@${sha}`])).toBe(`todo/api@${sha}`);
  });
});
