/** The command that rewrites the generated docs (docs/configuration.md, docs/topics.md), run from the repository root. */
export const regenerateCommand = 'node --import tsx packages/cli/src/docs/generate.ts';
