// Renders the Slipway chart with the real helm binary (tests: chart.test.ts, deploy/config-agreement.test.ts).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';

const here = dirname(fileURLToPath(import.meta.url));
export const chartDir = join(here, 'slipway');
const repoTools = join(here, '..', '..', '.data', 'tools', 'bin', 'helm');

/** helm from PATH, else the one scripts/ci-tools.sh unpacks. */
export function helmBin(): string {
  const onPath = spawnSync('helm', ['version', '--short'], { encoding: 'utf8' });
  if (onPath.status === 0) return 'helm';
  if (existsSync(repoTools)) return repoTools;
  throw new Error('helm not found: run scripts/ci-tools.sh (puts it in .data/tools/bin)');
}

export type K8sObject = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; annotations?: Record<string, string>; namespace?: string };
  // biome-ignore lint/suspicious/noExplicitAny: rendered manifests are checked field by field
  spec?: any;
  data?: Record<string, string>;
  // biome-ignore lint/suspicious/noExplicitAny: see above
  rules?: any[];
};

export const valueSets: Record<string, string[]> = {
  defaults: ['--set', 'existingSecret=slipway-secrets'],
  full: ['-f', join(chartDir, 'ci', 'full.yaml')],
  minimal: ['-f', join(chartDir, 'ci', 'minimal.yaml')],
};

export function render(args: string[]): K8sObject[] {
  const out = execFileSync(helmBin(), ['template', 'rel', chartDir, '--namespace', 'slipway', ...args], {
    encoding: 'utf8',
  });
  return parseAllDocuments(out)
    .map((d) => d.toJSON() as K8sObject | null)
    .filter((o): o is K8sObject => o !== null);
}
