import { describe, expect, it } from 'vitest';
import { delayBucket, qualityParts, quality, testContext } from '@gridstream/runtime';
import type { QualityReport } from '@gridstream/schemas';
import { addUp, windowCountsCodec } from './transform.js';

const hour = 3_600_000;
const t0 = Date.UTC(2026, 0, 1);
const ctx = testContext({});

describe('addUp', () => {
  it("adds validate's and clean's parts of a window into one revised report each time", () => {
    const [validated] = qualityParts('validate', [quality('meter', 'valid', 9, t0), quality('meter', 'invalid', 1, t0)], hour);
    const [cleaned] = qualityParts(
      'clean',
      [
        quality('meter', 'entity', 2, t0),
        quality('meter', 'present', 6, t0),
        quality('meter', 'missing', 2, t0),
        quality('meter', 'imputed', 1, t0),
        quality('meter', 'outlier', 3, t0),
        quality('meter', 'duplicate', 1, t0),
        ...[100, 100, 100, 60_000].map((delayMs) => quality('meter', 'delay_ms', delayMs, t0)),
      ],
      hour,
    );
    const counts = windowCountsCodec.initial();
    const [first] = addUp(validated!, counts, ctx);
    expect(first).toMatchObject({ kind: 'emit', key: 'meter@2026-01-01T00:00:00.000Z', value: { valid: 9, invalid: 1, validity: 0.9, expected: 0 } });
    const [second] = addUp(cleaned!, windowCountsCodec.decode(windowCountsCodec.encode(counts)), ctx);
    const report = (second as { value: QualityReport }).value;
    expect(report).toMatchObject({
      source: 'meter',
      windowStart: t0,
      windowEnd: t0 + hour,
      entities: 2,
      expected: 8,
      received: 6,
      completeness: 0.75,
      validity: 0.9,
      duplicates: 1,
      imputedShare: 1 / 8,
      outlierShare: 0.5,
    });
    // The median and the 99th percentile come from the buckets of 100 ms and 60 s.
    expect(delayBucket(report.timelinessP50Ms)).toBe(delayBucket(100));
    expect(delayBucket(report.timelinessP99Ms)).toBe(delayBucket(60_000));
  });

  it('gives NaN for shares of nothing', () => {
    const [part] = qualityParts('validate', [quality('eia', 'valid', 1, t0)], hour);
    const [output] = addUp(part!, windowCountsCodec.initial(), ctx);
    expect((output as { value: QualityReport }).value).toMatchObject({ completeness: Number.NaN, outlierShare: Number.NaN, timelinessP50Ms: Number.NaN });
  });
});
