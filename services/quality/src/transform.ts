import { bucketDelayMs, emit, qualityKey, type StateCodec, type Transform } from '@gridstream/runtime';
import type { QualityPart, QualityReport } from '@gridstream/schemas';
import type { QualityConfig } from './config.js';

/** One source's window: every part added so far. */
export type WindowCounts = Omit<QualityPart, 'stage'>;

export const windowCountsCodec: StateCodec<WindowCounts> = {
  // source '' until the window's first part names it.
  initial: () => ({ source: '', windowStart: 0, windowMs: 0, entities: 0, present: 0, missing: 0, imputed: 0, outliers: 0, duplicates: 0, valid: 0, invalid: 0, lateApplied: 0, delayBuckets: {} }),
  encode: (counts) => Buffer.from(JSON.stringify(counts)),
  decode: (bytes) => JSON.parse(bytes.toString()) as WindowCounts,
};

/**
 * Adds a part into its source's window (the key) and gives out the window's report as it stands:
 * each report revises the one before for that key, the last is complete.
 */
export const addUp: Transform<QualityPart, WindowCounts, QualityConfig, QualityReport> = (part, counts) => {
  if (counts.source === '') Object.assign(counts, { source: part.source, windowStart: part.windowStart, windowMs: part.windowMs });
  for (const field of countFields) counts[field] += part[field];
  for (const [bucket, n] of Object.entries(part.delayBuckets)) counts.delayBuckets[bucket] = (counts.delayBuckets[bucket] ?? 0) + n;
  return [emit(qualityKey(counts), report(counts))];
};

const countFields = ['entities', 'present', 'missing', 'imputed', 'outliers', 'duplicates', 'lateApplied', 'valid', 'invalid'] as const;

/** The report of a window's counts; a share without anything to divide by is NaN. */
export function report(counts: WindowCounts): QualityReport {
  const expected = counts.present + counts.missing;
  return {
    source: counts.source,
    windowStart: counts.windowStart,
    windowEnd: counts.windowStart + counts.windowMs,
    entities: counts.entities,
    expected,
    received: counts.present,
    completeness: counts.present / expected,
    validity: counts.valid / (counts.valid + counts.invalid),
    timelinessP50Ms: percentile(counts.delayBuckets, 0.5),
    timelinessP99Ms: percentile(counts.delayBuckets, 0.99),
    duplicates: counts.duplicates,
    imputedShare: counts.imputed / expected,
    outlierShare: counts.outliers / counts.present,
    missing: counts.missing,
    imputed: counts.imputed,
    outliers: counts.outliers,
    valid: counts.valid,
    invalid: counts.invalid,
  };
}

/** The delay of the bucket holding the q-th of all delays counted (nearest rank), NaN when none are. */
function percentile(buckets: Record<string, number>, q: number): number {
  const sorted = Object.entries(buckets)
    .map(([bucket, n]) => [Number(bucket), n] as const)
    .sort((a, b) => a[0] - b[0]);
  const total = sorted.reduce((sum, [, n]) => sum + n, 0);
  if (total === 0) return Number.NaN;
  const rank = Math.ceil(q * total);
  let seen = 0;
  for (const [bucket, n] of sorted) {
    seen += n;
    if (seen >= rank) return bucketDelayMs(bucket);
  }
  return Number.NaN;
}
