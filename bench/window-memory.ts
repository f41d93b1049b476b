// Run from the repository root: node --expose-gc --import tsx bench/window-memory.ts [--entities 100] [--seq-len 8760]
// Memory of the window stage's state: hourly meter-like vectors (25 features) for each entity, a sequence length
// and two days more, through the streaming transform, as the service keeps them between batches. No servers.
import { parseArgs } from 'node:util';
import { testContext } from '@gridstream/runtime';
import type { FeatureVector } from '@gridstream/schemas';
// Relative imports: bench/package.json does not depend on the window service.
import { sequences } from '../services/window/src/transform.js';
import { windowStateCodec, type WindowState } from '../services/window/src/window-state.js';

const { values: args } = parseArgs({ options: { entities: { type: 'string', default: '100' }, 'seq-len': { type: 'string', default: '8760' } } });
const entities = Number(args.entities);
const seqLen = Number(args['seq-len']);
const width = 25;
const hour = 3_600_000;
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc');

const settle = () => {
  gc();
  gc();
  return process.memoryUsage();
};
const before = settle();
const config = { seqLen, stride: 24, graceMs: hour };
const states: WindowState[] = [];
const names = Array.from({ length: width }, (_, i) => `f${i}`);
let given = 0;
for (let e = 0; e < entities; e++) {
  const entity = `eia:E-${e}`;
  const state = windowStateCodec.initial();
  const ctx = testContext(config, { key: entity });
  for (let step = 0; step < seqLen + 48; step++) {
    const values = Array.from({ length: width }, (_, i) => Math.sin(step / 24 + i) * 100 + e);
    const vector: FeatureVector = { entity, ts: Date.UTC(2025, 0, 1) + step * hour, featureSet: { name: 'eia', version: 2 }, names, values, imputed: false, ingestedAt: null };
    given += sequences(vector, state, ctx).length;
    // The runtime takes the changed parts at every commit.
    if (step % 500 === 0) windowStateCodec.takeChanges(state);
  }
  windowStateCodec.takeChanges(state);
  states.push(state);
}
const after = settle();
const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(1);
const ringBytes = states.reduce((sum, s) => sum + s.rows.bytes, 0);
const dataBytes = entities * seqLen * width * 4;
console.log(`${entities} entities, seqLen ${seqLen}, ${width} features, ${given} sequences given out`);
console.log(`RSS ${mib(before.rss)} -> ${mib(after.rss)} MiB (+${mib(after.rss - before.rss)}), heap + array buffers +${mib(after.heapUsed + after.arrayBuffers - before.heapUsed - before.arrayBuffers)} MiB`);
console.log(`rings ${mib(ringBytes)} MiB (${mib(ringBytes / entities)} MiB per entity) for ${mib(dataBytes)} MiB of float32 rows one sequence needs (${(ringBytes / dataBytes).toFixed(2)}x)`);
