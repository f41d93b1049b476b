import type { QualityPart } from '@gridstream/schemas';
import type { Quality } from './transform.js';

/** Delay histogram buckets are a quarter of a power of two wide: percentiles come out within about 9 %. */
const bucketsPerDoubling = 4;

/** The histogram bucket of a delay: b covers [2^((b-1)/4), 2^(b/4)) ms; 0 holds delays up to 1 ms (and negative ones). */
export function delayBucket(delayMs: number): number {
  return delayMs <= 1 ? 0 : Math.floor(Math.log2(delayMs) * bucketsPerDoubling) + 1;
}

/** The delay a bucket stands for: the geometric middle of its range, 1 ms for bucket 0. */
export function bucketDelayMs(bucket: number): number {
  return bucket === 0 ? 1 : 2 ** ((bucket - 0.5) / bucketsPerDoubling);
}

/** The key of a source's window on <p>.quality.parts and <p>.quality: `meter@2026-01-01T00:00:00.000Z`. */
export function qualityKey(window: { source: string; windowStart: number }): string {
  return `${window.source}@${new Date(window.windowStart).toISOString()}`;
}

/** One transaction's quality figures added up per source and window, in order of first appearance. */
export function qualityParts(stage: string, figures: Quality[], windowMs: number): QualityPart[] {
  const parts = new Map<string, QualityPart>();
  for (const { source, measure, amount, ts } of figures) {
    const windowStart = Math.floor(ts / windowMs) * windowMs;
    const key = `${source}|${windowStart}`;
    let part = parts.get(key);
    if (!part) {
      part = {
        source,
        windowStart,
        windowMs,
        stage,
        entities: 0,
        present: 0,
        missing: 0,
        imputed: 0,
        outliers: 0,
        duplicates: 0,
        valid: 0,
        invalid: 0,
        delayBuckets: {},
        lateApplied: 0,
      };
      parts.set(key, part);
    }
    switch (measure) {
      case 'entity':
        part.entities += amount;
        break;
      case 'outlier':
        part.outliers += amount;
        break;
      case 'duplicate':
        part.duplicates += amount;
        break;
      case 'delay_ms': {
        const bucket = String(delayBucket(amount));
        part.delayBuckets[bucket] = (part.delayBuckets[bucket] ?? 0) + 1;
        break;
      }
      default:
        part[measure] += amount;
    }
  }
  return [...parts.values()];
}
