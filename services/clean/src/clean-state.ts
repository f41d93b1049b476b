import type { StateCodec } from '@gridstream/runtime';

/** One accepted record, its values already in canonical units. */
export interface StepRecord {
  ts: number;
  values: Record<string, number>;
  convertedFrom: Record<string, string>;
  tags: Record<string, string>;
  eventId: string;
  ingestedAt: number;
}

/** What clean keeps per entity between records (docs/clean.md). */
export interface CleanState {
  /** The entity's source, which names its contract and cadence; '' until the first record. */
  source: string;
  /** Steps not closed yet, oldest first, with their records. */
  open: Array<{ step: number; records: StepRecord[] }>;
  /** Event times of accepted records recent enough to catch a repeat. */
  seen: number[];
  /** The last present step given out, after outlier replacement: what a gap is filled from, and its outliers. */
  last: { ts: number; values: Record<string, number>; tags: Record<string, string>; outliers: string[] } | null;
  /** The resampled values of the last present steps, oldest first, for the outlier detector. */
  history: Array<Record<string, number>>;
  /** The quality window the entity was last counted in, so it counts once per window. */
  qualityWindow: number | null;
}

export const cleanStateCodec: StateCodec<CleanState> = {
  initial: () => ({ source: '', open: [], seen: [], last: null, history: [], qualityWindow: null }),
  encode: (state) => Buffer.from(JSON.stringify(state)),
  // States written before quality windows have none.
  decode: (bytes) => ({ qualityWindow: null, ...(JSON.parse(bytes.toString()) as Partial<CleanState>) }) as CleanState,
};
