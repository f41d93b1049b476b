// Writes the generated docs: node --import tsx packages/cli/src/docs/generate.ts
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generatedDocs, repoRoot } from './generated-docs.js';

for (const { path, render } of generatedDocs) {
  writeFileSync(join(repoRoot, path), render());
  console.log(`wrote ${path}`);
}
