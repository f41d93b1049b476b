// Generated from packages/schemas/avro/*.avsc by `pnpm gen`. Do not edit.

/** A measurement after event-time cleaning (topic <p>.clean), with the provenance of every change made to it. */
export interface CleanMeasurement {
  source: string;
  entity: string;
  /** Event time on the source's cadence, epoch milliseconds UTC. */
  ts: number;
  /** Variables in canonical units. */
  values: Record<string, number>;
  units: Record<string, string>;
  tags: Record<string, string>;
  /** The eventId of the measurement this came from; for a fully imputed step, a hash of entity and ts. */
  eventId: string;
  ingestedAt: number;
  /** Variables filled in by interpolation or carry-forward. */
  imputed: Array<string>;
  /** Variables flagged as outliers (kept unless replacement is configured). */
  outliers: Array<string>;
  /** Original unit of each variable that was converted, e.g. {"load": "W"}. */
  convertedFrom: Record<string, string>;
  /** How many source records this step aggregates. */
  resampledFrom: number;
}

/** Which feature definitions produced a vector; a new version whenever their meaning changes. */
export interface FeatureSetRef {
  name: string;
  version: number;
}

/** The features of one entity at one event time (topic <p>.features). */
export interface FeatureVector {
  entity: string;
  ts: number;
  featureSet: FeatureSetRef;
  /** Feature names, in the order of values. */
  names: Array<string>;
  /** Feature values; NaN where a feature is undefined (e.g. a lag before the history starts). */
  values: Array<number>;
  /** True when the underlying clean step was imputed. */
  imputed: boolean;
  /** The underlying clean step's ingestedAt (when ingest accepted its newest measurement), for end-to-end latency; null in records written before the field existed. */
  ingestedAt: null | number;
}

/** A run of missing steps on an entity's cadence (topic <p>.gaps). */
export interface Gap {
  source: string;
  entity: string;
  /** First missing step, epoch milliseconds UTC. */
  start: number;
  /** The step after the last missing one (exclusive). */
  end: number;
  stepMs: number;
  missingSteps: number;
  /** How many of the missing steps were filled in (0 when the gap is longer than the interpolation limit). */
  imputedSteps: number;
}

/** The batch a measurement arrived in. */
export interface IngestBatch {
  batchId: string;
  /** Where the batch came from, e.g. http, file:loads.csv or kafka. */
  source: string;
  ingestedAt: number;
  recordCount: number;
  /** SHA-256 of the batch as received, hex. */
  checksum: string;
}

/** One observation of one entity at one event time, in the canonical form every source is parsed into (topics <p>.raw and <p>.valid). */
export interface Measurement {
  /** Source kind: meter, eia, weather or tep. */
  source: string;
  /** Entity id, also the message key, e.g. meter:M-0042. */
  entity: string;
  /** Event time, epoch milliseconds UTC. */
  ts: number;
  /** Measured variables by name. */
  values: Record<string, number>;
  /** Unit of each variable in values, e.g. kW. */
  units: Record<string, string>;
  /** Descriptive labels, e.g. region or fuel. */
  tags: Record<string, string>;
  /** Deterministic hash of source, entity, ts and values. */
  eventId: string;
  /** When ingest accepted it, epoch milliseconds UTC. */
  ingestedAt: number;
  /** Batch metadata; null for records that arrived one by one. */
  batch: null | IngestBatch;
}

/** Data-quality counts of one source over one event-time window from one transaction of one stage (internal topic <p>.quality.parts); the quality stage adds them up into QualityReports. */
export interface QualityPart {
  source: string;
  windowStart: number;
  windowMs: number;
  /** The stage that counted. */
  stage: string;
  /** Entities counted for the first time in the window. */
  entities: number;
  /** Steps with data. */
  present: number;
  /** Steps in gaps, imputed ones included. */
  missing: number;
  /** Steps filled in. */
  imputed: number;
  /** Steps with a variable flagged as an outlier. */
  outliers: number;
  /** Records dropped as repeats of an (entity, ts). */
  duplicates: number;
  /** Records that passed validation. */
  valid: number;
  /** Records validation rejected. */
  invalid: number;
  /** Event-to-ingest delays counted by log bucket: key b covers [2^((b-1)/4), 2^(b/4)) ms, 0 holds delays up to 1 ms. */
  delayBuckets: Record<string, number>;
  /** Records later than the grace that clean could still use and applied (CLEAN_LATE_POLICY=apply). */
  lateApplied: number;
}

/** Data-quality figures of one source over one event-time window (topic <p>.quality). */
export interface QualityReport {
  source: string;
  windowStart: number;
  /** Exclusive. */
  windowEnd: number;
  /** Entities seen in the window. */
  entities: number;
  /** Steps expected on the source's cadence, over all entities. */
  expected: number;
  /** Distinct (entity, ts) received. */
  received: number;
  /** received / expected, 0..1. */
  completeness: number;
  /** Share of records that passed validation, 0..1. */
  validity: number;
  /** Median event-to-ingest delay in milliseconds. */
  timelinessP50Ms: number;
  /** 99th percentile event-to-ingest delay in milliseconds. */
  timelinessP99Ms: number;
  /** Records dropped as repeats of an (entity, ts). */
  duplicates: number;
  /** Share of steps with an imputed variable, 0..1. */
  imputedShare: number;
  /** Share of steps with a variable flagged as an outlier, 0..1. */
  outlierShare: number;
  /** Steps in gaps, imputed ones included (expected = received + missing). */
  missing: number;
  /** Steps filled in. */
  imputed: number;
  /** Steps with a variable flagged as an outlier. */
  outliers: number;
  /** Records that passed validation. */
  valid: number;
  /** Records validation rejected. */
  invalid: number;
}

/** A fixed-length training sequence of one entity's feature vectors (topic <p>.sequences). */
export interface Sequence {
  entity: string;
  featureSet: FeatureSetRef;
  /** Event time of the first step, epoch milliseconds UTC. */
  start: number;
  /** Event time just after the last step (exclusive). */
  end: number;
  /** Distance between steps in milliseconds. */
  stepMs: number;
  /** Number of steps. */
  seqLen: number;
  /** Feature names: the columns of values. */
  names: Array<string>;
  /** seqLen x names.length float32 little-endian, row-major (one row per step). */
  values: Buffer;
  /** One byte per step: 0 observed, 1 imputed, 2 missing. */
  mask: Buffer;
  /** 0 for the first emission; incremented when a late correction re-emits the sequence. */
  revision: number;
}
