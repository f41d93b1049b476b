// Writes fixtures/<Name>.bin from fixtures/samples.ts. Run only when a sample or schema changes
// on purpose (`pnpm --filter @gridstream/schemas golden`); the test then pins the new bytes.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { goldenSchemaId, samples } from '../fixtures/samples.js';
import { loadSchemas } from '../src/schema-files.js';
import { encodeConfluent } from '../fixtures/wire-format.js';

const schemas = loadSchemas();
for (const [name, record] of Object.entries(samples)) {
  const target = fileURLToPath(new URL(`../fixtures/${name}.bin`, import.meta.url));
  writeFileSync(target, encodeConfluent(schemas.get(name)!, goldenSchemaId, record));
  console.log(`wrote ${target}`);
}
