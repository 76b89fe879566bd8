// Writes configs/hamux.schema.json from the zod schemas. Run from packages/config:
//   npx tsx scripts/write-schema.ts
// test/schema.test.ts fails while the committed file differs from what this writes.
import { writeFileSync } from 'node:fs';
import { configJsonSchemaText } from '../src/schema/json-schema.js';

const target = new URL('../../../configs/hamux.schema.json', import.meta.url);
writeFileSync(target, configJsonSchemaText());
process.stdout.write(`wrote ${target.pathname}\n`);
