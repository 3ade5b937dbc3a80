import { text } from '../../validation.ts';

// Helm's own rules: chart names are lowercase with dashes; versions are SemVer 2.
export const chartName = text(53).regex(
  /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/,
  'must be lowercase letters, digits and dashes',
);
export const chartVersion = text(64).regex(
  /^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/,
  'must be a SemVer version such as 1.0.0',
);
