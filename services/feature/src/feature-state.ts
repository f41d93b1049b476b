import type { StateCodec } from '@gridstream/runtime';

/** What feature keeps per entity (docs/feature.md). */
export interface FeatureState {
  /** The ts of the last record used; a record not after it is a repeat. */
  lastTs: number | null;
  /** The target variable's values of the last 168 steps, as [ts, value], oldest first. */
  recent: Array<[number, number]>;
  ewma: number | null;
  /** TEP: each variable's first values, up to the reference length. */
  reference: Record<string, number[]>;
  /** Load vectors waiting for their station's weather, oldest first; NaN is null after a changelog round trip. */
  held: HeldVector[];
}

export interface HeldVector {
  ts: number;
  /** '' without a station tag: nothing to wait for. */
  station: string;
  values: Array<number | null>;
  imputed: boolean;
  /** Absent in states written before vectors carried it. */
  ingestedAt?: number;
}

export const featureStateCodec: StateCodec<FeatureState> = {
  initial: () => ({ lastTs: null, recent: [], ewma: null, reference: {}, held: [] }),
  encode: (state) => Buffer.from(JSON.stringify(state)),
  // States written before the weather join have no held vectors.
  decode: (bytes) => ({ held: [], ...(JSON.parse(bytes.toString()) as Partial<FeatureState>) }) as FeatureState,
};
