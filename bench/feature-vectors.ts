import type { FeatureVector } from '@gridstream/schemas';

/** The i-th of hourly EIA-like feature vectors over `entities` entities in step, named `names`. */
export function featureVector(i: number, entities: number, names: string[]): FeatureVector {
  return {
    entity: `eia:E-${String(i % entities).padStart(4, '0')}`,
    ts: Date.UTC(2026, 0, 1) + Math.floor(i / entities) * 3_600_000,
    featureSet: { name: 'eia', version: 2 },
    names,
    values: names.map((_, j) => Math.round(Math.sin(i / 7 + j) * 1e6) / 1e3),
    imputed: i % 50 === 0,
    ingestedAt: null,
  };
}

export const featureNames = (width: number) => Array.from({ length: width }, (_, j) => `f${j}`);
