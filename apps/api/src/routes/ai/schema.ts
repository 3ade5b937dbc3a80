import { text } from '../../validation.ts';

/** The agent label (kubectl-ai, kagent, ...); the worker decides what runs it. */
export const aiAgent = text(64).regex(/^[a-z0-9][a-z0-9._-]*$/, 'must be an agent name such as kubectl-ai');
