#!/usr/bin/env node
// The `slipway` command (bin of @slipway/cli). Runs from source with Node 22's type stripping
// (`npx slipway` in the repository) or bundled (`npm run build` -> apps/cli/dist/slipway.js).
import { run } from './program.ts';

const code = await run(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  env: process.env,
});
// Exit once stdout has drained (idle keep-alive sockets must not hold the process open).
process.stdout.write('', () => process.exit(code));
