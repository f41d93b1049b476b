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
}

export const featureStateCodec: StateCodec<FeatureState> = {
  initial: () => ({ lastTs: null, recent: [], ewma: null, reference: {} }),
  encode: (state) => Buffer.from(JSON.stringify(state)),
  decode: (bytes) => JSON.parse(bytes.toString()) as FeatureState,
};
