import { text } from '../../validation.ts';

// Docker reference grammar, simplified: lowercase path components for the name, the usual tag charset.
export const imageName = text(128).regex(
  /^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$/,
  'must be a lowercase image name (letters, digits, ".", "_", "-", "/")',
);
export const imageTag = text(128).regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]*$/, 'must be a valid image tag');
export const imageRepository = text(255).regex(
  /^[A-Za-z0-9][A-Za-z0-9._:/-]*$/,
  'must be a registry/namespace such as docker.io/todo-app',
);
