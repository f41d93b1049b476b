import type { FeatureVector, Sequence } from '@gridstream/schemas';
import { contracts } from '@gridstream/sources';
import type { WindowConfig } from '../config.js';

/**
 * The batch reference of the window stage (docs/window.md), computed over whole series to check
 * the streaming service against. `vectors` are every partition's vectors in offset order; per
 * entity a vector whose ts is not after the entity's previous one is ignored. Gives the final
 * revision's content (revision 0) of every sequence, sorted by entity (code-unit order), then end.
 */
export function windowReference(vectors: FeatureVector[], config: WindowConfig): Sequence[] {
  const byEntity = new Map<string, FeatureVector[]>();
  for (const vector of vectors) {
    const series = byEntity.get(vector.entity) ?? [];
    if (series.length === 0 || vector.ts > series[series.length - 1]!.ts) series.push(vector);
    byEntity.set(vector.entity, series);
  }
  const sequences: Sequence[] = [];
  for (const [entity, series] of [...byEntity].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) sequences.push(...entitySequences(entity, series, config));
  return sequences;
}

function entitySequences(entity: string, series: FeatureVector[], config: WindowConfig): Sequence[] {
  const cadenceMs = contracts[series[0]!.featureSet.name]!.cadenceMs;
  const { seqLen } = config;
  const lengthMs = seqLen * cadenceMs;
  const strideMs = config.stride * cadenceMs;
  const byTs = new Map(series.map((v) => [v.ts, v]));
  const names = series[0]!.names;
  const out: Sequence[] = [];
  // Ends are multiples of the stride; the first sequence starts at or after the first vector, the last ends by the step after the last one.
  for (let end = Math.ceil((series[0]!.ts + lengthMs) / strideMs) * strideMs; end <= series[series.length - 1]!.ts + cadenceMs; end += strideMs) {
    const values = new DataView(new ArrayBuffer(seqLen * names.length * 4));
    const mask = new Uint8Array(seqLen);
    for (let i = 0; i < seqLen; i++) {
      const vector = byTs.get(end - lengthMs + i * cadenceMs);
      mask[i] = vector === undefined ? 2 : vector.imputed ? 1 : 0;
      for (let j = 0; j < names.length; j++) values.setFloat32((i * names.length + j) * 4, vector?.values[j] ?? Number.NaN, true);
    }
    if (mask.every((m) => m === 2)) continue;
    out.push({
      entity,
      featureSet: series[0]!.featureSet,
      start: end - lengthMs,
      end,
      stepMs: cadenceMs,
      seqLen,
      names,
      values: Buffer.from(values.buffer),
      mask: Buffer.from(mask),
      revision: 0,
    });
  }
  return out;
}
