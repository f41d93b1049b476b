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

export const featureStateCodec: StateCodec<FeatureState> = {
  initial: () => ({ lastTs: null, recent: { ts: [], values: [] }, ewma: null, reference: {}, held: [] }),
  encode: (state) => Buffer.from(JSON.stringify(state)),
  decode: (bytes) => {
    const stored = JSON.parse(bytes.toString()) as Omit<Partial<FeatureState>, 'recent'> & { recent?: FeatureState['recent'] | Array<[number, number]> };
    // States written before the two arrays kept [ts, value] pairs; before the weather join they had no held vectors.
    const recent = Array.isArray(stored.recent) ? { ts: stored.recent.map(([ts]) => ts), values: stored.recent.map(([, value]) => value) } : stored.recent;
    return { held: [], ...stored, recent: recent ?? { ts: [], values: [] } } as FeatureState;
  },
};
