import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..', '..');

describe('schema.gen.ts', () => {
  it('is what docs/openapi.json generates (npm run client:generate)', () => {
    const out = execFileSync(process.execPath, [join(root, 'packages', 'client', 'generate.ts'), '--check'], {
      cwd: root,
      encoding: 'utf8',
    });
    expect(out).toContain('is current');
  });
});
