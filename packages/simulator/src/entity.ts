import type { Measurement } from '@gridstream/schemas';

/** What a source sends for one step, before any fault is injected. */
export type Reading = Pick<Measurement, 'source' | 'entity' | 'ts' | 'values' | 'units' | 'tags'>;

/** One simulated entity: a meter, an EIA region, a weather station or a TEP unit. */
export interface SimulatedEntity {
  source: string;
  /** Also the Kafka key, e.g. meter:M-0001. */
  entity: string;
  stepMs: number;
  /** The reading at ts; called once per step, in time order, since some sources carry state across steps. */
  sample(ts: number): Reading;
  /** Turns one variable in `values` into an obvious outlier and returns its name. */
  outlier(values: Record<string, number>): string;
}

/** Rounds to a fixed number of decimals, as a real device would report. */
export function round(value: number, decimals: number): number {
  const factor = 10 ** decimals;
  return Math.round(value * factor) / factor;
}

/** The index-th of a list of names, cycling with a suffix once the list runs out: PACW, …, PACW-2. */
export function nthName(names: readonly string[], index: number): string {
  const lap = Math.floor(index / names.length);
  const name = names[index % names.length]!;
  return lap === 0 ? name : `${name}-${lap + 1}`;
}
