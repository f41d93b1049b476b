import { describe, expect, it } from 'vitest';
import { PartitionClock } from './event-time.js';

describe('PartitionClock', () => {
  it('keeps the watermark a grace behind the newest event time, never moving back', () => {
    const clock = new PartitionClock(1_000);
    expect(clock.watermark).toBe(Number.NEGATIVE_INFINITY);
    clock.observe(5_000);
    clock.observe(3_000);
    expect(clock.watermark).toBe(4_000);
  });

  it('moves far enough to close what is held when idle, but not past wall-clock time minus the grace', () => {
    const historical = new PartitionClock(1_000);
    historical.observe(5_000);
    expect(historical.advanceIdle(1_000_000, 6_000)).toBe(true);
    expect(historical.watermark).toBe(6_000);
    expect(historical.advanceIdle(1_000_000, 6_000)).toBe(false);

    const live = new PartitionClock(1_000);
    live.observe(10_000);
    expect(live.advanceIdle(10_500, 11_000)).toBe(true);
    expect(live.watermark).toBe(9_500);
  });

  it('survives the changelog round trip', () => {
    const clock = new PartitionClock(1_000);
    clock.observe(7_000);
    clock.advanceIdle(100_000, 8_000);
    expect(PartitionClock.decode(1_000, clock.encode()).watermark).toBe(8_000);
    expect(PartitionClock.decode(1_000, undefined).watermark).toBe(Number.NEGATIVE_INFINITY);
  });
});
