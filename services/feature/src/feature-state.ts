import type { StateCodec } from '@gridstream/runtime';

/** What feature keeps per entity (docs/feature.md). */
export interface FeatureState {
  /** The ts of the last record used; a record not after it is a repeat. */
  lastTs: number | null;
  /**
   * The target variable's values of the last 168 steps, oldest first: two arrays of plain numbers,
   * which V8 keeps unboxed, so the rolling statistics run over them without a pair per step.
   */
  recent: { ts: number[]; values: number[] };
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

/**
 * The changelog keeps `recent` as [ts, value] pairs, the shape versions before the two arrays read:
 * during a rolling upgrade a partition can go back to an old instance (docs/operations.md).
 */
export const featureStateCodec: StateCodec<FeatureState> = {
  initial: () => ({ lastTs: null, recent: { ts: [], values: [] }, ewma: null, reference: {}, held: [] }),
  encode: (state) => Buffer.from(JSON.stringify({ ...state, recent: state.recent.ts.map((ts, i) => [ts, state.recent.values[i]]) })),
  decode: (bytes) => {
    const stored = JSON.parse(bytes.toString()) as Omit<Partial<FeatureState>, 'recent'> & { recent?: Array<[number, number]> };
    const pairs = stored.recent ?? [];
    // States written before the weather join have no held vectors.
    return { held: [], ...stored, recent: { ts: pairs.map(([ts]) => ts), values: pairs.map(([, value]) => value) } } as FeatureState;
  },
};
