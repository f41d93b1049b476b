import { describe, expect, it } from 'vitest';
import { bucketDelayMs, delayBucket, qualityParts } from './quality-parts.js';
import { quality } from './transform.js';

const hour = 3_600_000;
const t0 = Date.UTC(2026, 0, 1);

describe('qualityParts', () => {
  it('adds figures up per source and event-time window', () => {
    const parts = qualityParts(
      'clean',
      [
        quality('meter', 'present', 1, t0),
        quality('meter', 'present', 1, t0 + hour - 1),
        quality('meter', 'outlier', 1, t0 + hour - 1),
        quality('meter', 'missing', 1, t0 + hour),
        quality('eia', 'duplicate', 2, t0),
        quality('meter', 'delay_ms', 1_000, t0),
        quality('meter', 'delay_ms', 1_001, t0),
        quality('meter', 'entity', 1, t0),
      ],
      hour,
    );
    const empty = { entities: 0, present: 0, missing: 0, imputed: 0, outliers: 0, duplicates: 0, valid: 0, invalid: 0, delayBuckets: {}, lateApplied: 0 };
    const bucket = String(delayBucket(1_000));
    expect(parts).toEqual([
      { ...empty, source: 'meter', windowStart: t0, windowMs: hour, stage: 'clean', entities: 1, present: 2, outliers: 1, delayBuckets: { [bucket]: 2 } },
      { ...empty, source: 'meter', windowStart: t0 + hour, windowMs: hour, stage: 'clean', missing: 1 },
      { ...empty, source: 'eia', windowStart: t0, windowMs: hour, stage: 'clean', duplicates: 2 },
    ]);
  });

  it('buckets delays a quarter doubling wide, each standing for a delay within its range', () => {
    expect(delayBucket(0)).toBe(0);
    expect(delayBucket(-5)).toBe(0);
    for (const delayMs of [2, 3, 100, 1_000, 59_999, 3_600_000, 86_400_000 * 400]) {
      const representative = bucketDelayMs(delayBucket(delayMs));
      expect(representative / delayMs).toBeGreaterThan(2 ** -0.25);
      expect(representative / delayMs).toBeLessThan(2 ** 0.25);
    }
    expect(delayBucket(2 ** 10)).toBe(41);
  });
});
