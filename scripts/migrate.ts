// `npm run db:migrate`: applies the committed migrations to DATABASE_URL.
import { migrate } from '../packages/db/src/index.ts';

const url = process.env.DATABASE_URL;
if (!url) {
  console.error('DATABASE_URL is required (e.g. postgres://postgres@127.0.0.1:5432/slipway)');
  process.exit(1);
}
await migrate(url);
console.log('migrations applied');
