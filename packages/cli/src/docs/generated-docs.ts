import { fileURLToPath } from 'node:url';
import { renderConfigReference } from './config-reference.js';
import { renderTopicsReference } from './topics-reference.js';

export { regenerateCommand } from './regenerate-command.js';

export const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));

/** The docs written from the code, by path from the repository root. */
export const generatedDocs = [
  { path: 'docs/configuration.md', render: renderConfigReference },
  { path: 'docs/topics.md', render: renderTopicsReference },
];
