// Run from the repository root after the demo (./scripts/demo --keep), or against any pipeline:
//   node --import tsx packages/feature-client/examples/model-input.ts meter:M-0001 [prefix]
// Prints what a model would be fed: the newest vector, and the last 24 hours as a NaN-padded window with its mask.
import { FeatureClient } from '../src/index.js';

const [entity = 'meter:M-0001', prefix = process.env.GRIDSTREAM_TOPIC_PREFIX ?? 'gridstream'] = process.argv.slice(2);
const client = await FeatureClient.connect(process.env.REDIS_URL, prefix);
try {
  const latest = await client.getLatest(entity);
  if (!latest) {
    console.log(`no features for ${entity} under prefix ${prefix}`);
  } else {
    console.log(`${entity} at ${new Date(latest.ts).toISOString()} (${latest.featureSet.name} v${latest.featureSet.version}):`);
    latest.names.forEach((name, i) => console.log(`  ${name.padEnd(24)} ${latest.values[i]}`));
    const context = (await client.getContext(entity, 24))!;
    const observed = context.mask.filter((m) => m === 0).length;
    console.log(`last 24 h: ${context.steps} steps of ${context.stepMs / 60_000} min from ${new Date(context.start).toISOString()}, ${observed} observed`);
  }
} finally {
  await client.close();
}
