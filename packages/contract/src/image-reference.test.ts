import { describe, expect, it } from 'vitest';
import {
  formatImageReference,
  type ImageReference,
  InvalidImageReference,
  imageReferenceOf,
  parseImageReference,
  repositoryOf,
  splitImageReference,
  tagOrLatest,
  validateImageName,
  validateImageParts,
  validateImageReference,
  validateImageRepository,
  validateRegistry,
  validateRepository,
  validateTag,
} from './image-reference.ts';

const sha = `sha256:${'a'.repeat(64)}`;

describe('splitImageReference', () => {
  it.each<[string, ImageReference]>([
    ['nginx', { registry: null, path: 'nginx', tag: null, digest: null }],
    ['nginx:1.27', { registry: null, path: 'nginx', tag: '1.27', digest: null }],
    ['todo-app/api:v1', { registry: null, path: 'todo-app/api', tag: 'v1', digest: null }],
    [
      'docker.io/todo-app/api:latest',
      { registry: 'docker.io', path: 'todo-app/api', tag: 'latest', digest: null },
    ],
    // a colon before the last slash is a registry port, not a tag
    ['localhost:5000/team/api', { registry: 'localhost:5000', path: 'team/api', tag: null, digest: null }],
    ['localhost/api:2', { registry: 'localhost', path: 'api', tag: '2', digest: null }],
    [`ghcr.io/a/b:1@${sha}`, { registry: 'ghcr.io', path: 'a/b', tag: '1', digest: sha }],
    [`a/b@${sha}`, { registry: null, path: 'a/b', tag: null, digest: sha }],
  ])('%s', (ref, want) => {
    expect(splitImageReference(ref)).toEqual(want);
  });

  it('never throws, even on garbage (the analyzers describe invalid references)', () => {
    expect(splitImageReference('Bad Ref//:')).toEqual({
      registry: null,
      path: 'Bad Ref//',
      tag: '',
      digest: null,
    });
  });

  it('repositoryOf and tagOrLatest', () => {
    expect(repositoryOf(splitImageReference('localhost:5000/a:1'))).toBe('localhost:5000/a');
    expect(tagOrLatest(splitImageReference('a'))).toBe('latest');
    expect(tagOrLatest(splitImageReference(`a@${sha}`))).toBeNull();
  });
});

describe('validateImageReference', () => {
  it.each([
    'nginx',
    'nginx:1.27-alpine',
    'docker.io/todo-app/todo-backend:latest',
    'localhost:5000/team/api:v1.0.0',
    '127.0.0.1:5000/a',
    '[::1]:5000/a:b',
    'registry.example.com/a__b/c-d/e.f:_tag',
    `ghcr.io/a/b@${sha}`,
    `a:1@${sha}`,
    'a---b',
  ])('accepts %s', (ref) => {
    expect(validateImageReference(ref)).toBeNull();
    expect(() => parseImageReference(ref)).not.toThrow();
  });

  it.each([
    ['', 'must not be empty'],
    ['Docker.io/TodoApp/api', 'path component "TodoApp"'],
    ['TodoApp/api', 'path component "TodoApp"'],
    ['todo-app/API:1', 'path component "API"'],
    ['docker.io/todo-app/', 'must not end with "/"'],
    ['docker.io//api', 'empty path component'],
    ['/api', 'empty path component'],
    ['a:', 'must not be empty'],
    ['a:-x', 'tag "-x"'],
    ['a:.x', 'tag ".x"'],
    [`a:${'t'.repeat(129)}`, 'at most 128'],
    ['a@sha256:abc', 'digest'],
    [`a@sha256:${'A'.repeat(64)}`, 'digest'],
    ['bad_host-.io/a', 'registry host'],
    ['localhost:99999/a', 'registry port'],
    ['localhost:x/a', 'registry port'],
    ['a_-b', 'path component'],
    ['a..b', 'path component'],
    [' nginx', 'spaces'],
    [`${'a'.repeat(256)}`, 'at most 255'],
  ])('rejects %j (%s)', (ref, issue) => {
    expect(validateImageReference(ref)).toContain(issue);
    expect(() => parseImageReference(ref)).toThrow(InvalidImageReference);
  });
});

describe('field validators (what the API answers with a 422)', () => {
  it('repository of an image record: registry, registry/path or path', () => {
    for (const ok of ['docker.io/todo-app', 'localhost:5000', 'docker.io', 'acme', 'r', 'ghcr.io/a/b']) {
      expect(validateImageRepository(ok)).toBeNull();
    }
    expect(validateImageRepository('docker.io/TodoApp')).toContain('"TodoApp"');
    expect(validateImageRepository('Acme')).toContain('"Acme"');
    expect(validateImageRepository('docker.io/x/')).toContain('end with "/"');
    expect(validateImageRepository('docker.io//x')).toContain('empty path component');
    expect(validateImageRepository('')).toBe('must not be empty');
    expect(validateImageRepository(`a/${'b'.repeat(254)}`)).toContain('at most 253');
  });

  it('name, tag, registry and repository', () => {
    expect(validateImageName('team/api')).toBeNull();
    expect(validateImageName('Api')).toContain('lowercase');
    expect(validateImageName('api/')).toContain('end with "/"');
    expect(validateTag('v1.0.0')).toBeNull();
    expect(validateTag('V_1')).toBeNull();
    expect(validateTag('')).toBe('must not be empty');
    expect(validateRegistry('registry-1.docker.io:443')).toBeNull();
    expect(validateRegistry('-x.io')).toContain('host');
    expect(validateRepository('docker.io')).toBeNull();
    expect(validateRepository('docker.io/a:1')).toContain('path component "a:1"');
  });

  it('validateImageParts names the first bad field', () => {
    expect(validateImageParts({ repository: 'docker.io/todo-app', name: 'api', tag: 'v1' })).toBeNull();
    expect(validateImageParts({ repository: 'Docker/App', name: 'api', tag: 'v1' })?.field).toBe(
      'repository',
    );
    expect(validateImageParts({ repository: 'r', name: 'API', tag: 'v1' })?.field).toBe('name');
    expect(validateImageParts({ repository: 'r', name: 'api', tag: '-1' })?.field).toBe('tag');
    expect(validateImageParts({ repository: 'r'.repeat(200), name: 'n'.repeat(60), tag: '1' })).toEqual({
      field: 'name',
      issue: 'repository and name together must be at most 255 characters',
    });
    expect(validateImageParts({ repository: '', name: 'a.io/b', tag: '1' })?.field).toBe('name');
  });
});

describe('formatting', () => {
  it('imageReferenceOf composes an image record, validated', () => {
    expect(imageReferenceOf({ repository: 'docker.io/todo-app', name: 'todo-backend', tag: 'latest' })).toBe(
      'docker.io/todo-app/todo-backend:latest',
    );
    expect(imageReferenceOf({ repository: 'localhost:5000', name: 'team/api', tag: 'v1' })).toBe(
      'localhost:5000/team/api:v1',
    );
    expect(imageReferenceOf({ repository: '', name: 'api', tag: 'v1' })).toBe('api:v1');
    expect(() => imageReferenceOf({ repository: 'docker.io/x/', name: 'a', tag: '1' })).toThrow(
      /repository: must not end with "\/"/,
    );
    expect(() => imageReferenceOf({ repository: 'docker.io/X', name: 'a', tag: '1' })).toThrow(
      InvalidImageReference,
    );
  });

  it('formatImageReference round-trips through splitImageReference', () => {
    for (const ref of ['localhost:5000/team/api:v2', `ghcr.io/a/b:1@${sha}`, 'nginx', `x@${sha}`]) {
      expect(formatImageReference(parseImageReference(ref))).toBe(ref);
    }
    expect(() => formatImageReference({ path: 'a.io/b', tag: '1' })).toThrow(/would be read as a registry/);
    expect(() => formatImageReference({ registry: 'ghcr.io', path: 'A', tag: '1' })).toThrow(
      InvalidImageReference,
    );
  });

  it('the error carries the issue the validators return', () => {
    try {
      parseImageReference('Bad/x');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(InvalidImageReference);
      expect((e as InvalidImageReference).issue).toBe(validateImageReference('Bad/x'));
      expect((e as InvalidImageReference).reference).toBe('Bad/x');
    }
  });
});
