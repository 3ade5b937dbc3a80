import { int, text } from '../../validation.ts';

export const replicas = int(0, 1000);
export const port = int(1, 65_535);
export const imageRef = text(512).regex(/^[A-Za-z0-9][A-Za-z0-9._:/@-]*$/, 'must be an image reference');
