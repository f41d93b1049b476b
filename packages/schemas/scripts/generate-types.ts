// Writes src/generated/types.ts from the .avsc files; `pnpm gen` runs it, the drift test checks it.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadSchemas } from '../src/schema-files.js';
import { renderTypes } from '../src/render-types.js';

const target = fileURLToPath(new URL('../src/generated/types.ts', import.meta.url));
writeFileSync(target, renderTypes(loadSchemas()));
console.log(`wrote ${target}`);
