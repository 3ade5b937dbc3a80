// `npm run openapi`: writes docs/openapi.json from @slipway/contract's route declarations (the same
// objects the API validates with and serves at GET /openapi.json). `npm run openapi -- --check`
// exits 1 when the committed copy differs from what the code generates (CI runs it), so every API
// change shows up in a diff.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildOpenApiDocument, routes } from '@slipway/contract';
import { repoRoot } from './infra.ts';

const file = join(repoRoot, 'docs', 'openapi.json');
const generated = `${JSON.stringify(buildOpenApiDocument(routes), null, 2)}\n`;

if (process.argv.includes('--check')) {
  let committed = '';
  try {
    committed = readFileSync(file, 'utf8');
  } catch {}
  if (committed !== generated) {
    console.error('docs/openapi.json is not what the code generates: run `npm run openapi` and commit it.');
    process.exit(1);
  }
  console.log('docs/openapi.json is current');
} else {
  writeFileSync(file, generated);
  console.log(`wrote ${file}`);
}
