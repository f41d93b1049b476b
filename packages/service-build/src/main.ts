// Run: node --import tsx packages/service-build/src/main.ts [entry.ts ...]
// Builds the bundles Node runs (services/<name>/dist/main.mjs): every service's, or those of the
// entries named (paths from the repository root). The image builds them all; tests, benches and
// the demo build each on first use, and again when a source changed.
import { buildBundle, serviceEntry, serviceNames } from './bundle.js';

const entries = process.argv.length > 2 ? process.argv.slice(2) : serviceNames().map(serviceEntry);
for (const entry of entries) {
  const started = performance.now();
  const bundle = await buildBundle(entry);
  console.error(`built ${bundle} in ${Math.round(performance.now() - started)} ms`);
}
