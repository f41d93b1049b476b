import { describe, expect, it } from 'vitest';
import { runInMemory, type InMemoryResult } from '@gridstream/runtime';
import type { CleanMeasurement, Gap, Measurement } from '@gridstream/schemas';
import { defaultSimulationConfig, simulate } from '@gridstream/simulator';
import { cleanStateCodec } from './clean-state.js';
import { CleanConfig } from './config.js';
import { cleanReference } from './reference/clean-reference.js';
import { clean, cleanEventTime } from './transform.js';

const config: CleanConfig = { ...CleanConfig.parse({}), replaceOutliers: ['load'] };
const stage = { transform: clean, state: cleanStateCodec, eventTime: cleanEventTime, config, keyOf: (m: Measurement) => m.entity };
const t0 = Date.UTC(2026, 0, 1);
const minute = 60_000;

function meter(minutes: number, load: number, overrides: Partial<Measurement> = {}): Measurement {
  return {
    source: 'meter',
    entity: 'meter:M-1',
    ts: t0 + minutes * minute,
    values: { load },
    units: { load: 'kW' },
    tags: { tz: 'UTC' },
    eventId: `e${minutes}`,
    ingestedAt: t0,
    batch: null,
    ...overrides,
  };
}

const cleanOf = (result: InMemoryResult) => (result.emitted.get('output') ?? []) as CleanMeasurement[];
const gapsOf = (result: InMemoryResult) => (result.emitted.get('gaps') ?? []) as Gap[];
const byEntityAndTs = <T extends { entity: string; ts?: number; start?: number }>(items: T[]) =>
  [...items].sort((a, b) => (a.entity < b.entity ? -1 : a.entity > b.entity ? 1 : (a.ts ?? a.start!) - (b.ts ?? b.start!)));

describe('clean (streaming)', () => {
  it('reorders within the grace, drops a repeat and fills a short gap', () => {
    const result = runInMemory(stage, [[meter(15, 2), meter(0, 1), meter(15, 9), meter(75, 5), meter(200, 1)]], 1);
    expect(cleanOf(result).map((c) => [(c.ts - t0) / minute, c.values.load, c.imputed])).toEqual([
      [0, 1, []],
      [15, 2, []],
      [30, 2.75, ['load']],
      [45, 3.5, ['load']],
      [60, 4.25, ['load']],
      [75, 5, []],
      [195, 1, []],
    ]);
    expect(gapsOf(result).map((g) => [(g.start - t0) / minute, (g.end - t0) / minute, g.missingSteps, g.imputedSteps])).toEqual([
      [30, 75, 3, 3],
      [90, 195, 7, 0],
    ]);
    expect(result.dropped).toEqual(new Map([['duplicate', 1]]));
    expect(result.quality).toEqual(new Map([['duplicate', 1], ['delay_ms', 0], ['present', 4], ['entity', 3], ['missing', 10], ['imputed', 3]]));
  });

  it('dead-letters a record whose step closed before it arrived, saying by how much', () => {
    const result = runInMemory(stage, [[meter(0, 1), meter(120, 1), meter(30, 1)]], 1);
    expect(result.deadLetters.map((d) => d.deadLetter)).toEqual([
      {
        kind: 'dead-letter',
        reason: 'late',
        message: 'ts 2026-01-01T00:30:00.000Z: its step closed 2700000 ms before it arrived',
        fieldPath: 'ts',
        headers: { 'gridstream.late.by.ms': '2700000' },
      },
    ]);
  });

  it('with CLEAN_LATE_POLICY=apply, applies a late record inside a gap not yet given out, and dead-letters one behind a closed step', () => {
    const applying: CleanConfig = { ...config, latePolicy: 'apply' };
    // Watermark 90 min after the record at 120: the steps at 30 and 15 are late; 30 still lies in the open gap after 0.
    const result = runInMemory({ ...stage, config: applying }, [[meter(0, 1), meter(120, 5), meter(30, 3), meter(15, 2)]], 1);
    expect(result.quality.get('lateApplied')).toBe(1);
    expect(result.deadLetters.map((d) => (d.record as Measurement).eventId)).toEqual(['e15']);
    const present = cleanOf(result).filter((c) => c.resampledFrom > 0);
    expect(present.map((c) => [(c.ts - t0) / minute, c.values.load])).toEqual([
      [0, 1],
      [30, 3],
      [120, 5],
    ]);
  });

  it('converts W to kW and averages the readings of one step', () => {
    const result = runInMemory(stage, [[meter(0, 1000, { units: { load: 'W' } }), meter(5, 2), meter(10, 3)]], 1);
    expect(cleanOf(result)).toMatchObject([{ ts: t0, values: { load: 2 }, convertedFrom: { load: 'W' }, resampledFrom: 3, eventId: 'e10' }]);
  });
});

describe('clean (streaming) against the batch reference', () => {
  /** Simulated valid measurements over three partitions: faults included that clean handles (not malformed or far-future ones). */
  function simulatedPartitions(): Measurement[][] {
    const simulation = defaultSimulationConfig({
      seed: 11,
      durationMs: 2 * 86_400_000,
      meters: 12,
      regions: 2,
      weatherStations: 2,
      tepUnits: 1,
      faults: { duplicateShare: 0.05, outlierShare: 0.01, gapShare: 0.03, lateShare: 0.01, lateByMs: 7_200_000 },
    });
    const partitions: Measurement[][] = [[], [], []];
    for (const event of simulate(simulation)) {
      if (event.truth.kinds.includes('malformed') || event.truth.kinds.includes('future_ts')) continue;
      const parsed = JSON.parse(event.line) as Omit<Measurement, 'eventId' | 'ingestedAt' | 'batch'>;
      const m: Measurement = { ...parsed, units: parsed.units ?? {}, eventId: `${event.sendOrder}`, ingestedAt: t0, batch: null };
      const partition = [...m.entity].reduce((hash, c) => (hash * 31 + c.charCodeAt(0)) % 3, 0);
      partitions[partition]!.push(m);
    }
    return partitions;
  }

  // The simulation through both the reference and the stream takes 2 s alone and over 5 s (vitest's default limit) beside other test files.
  it.each([1, 7, 500])('applies the late records it can still use the same way with batches of %i (CLEAN_LATE_POLICY=apply)', { timeout: 60_000 }, (batchSize) => {
    const partitions = simulatedPartitions();
    const applying: CleanConfig = { ...config, latePolicy: 'apply' };
    const reference = cleanReference(partitions, applying);
    const streamed = runInMemory({ ...stage, config: applying }, partitions, batchSize);
    expect(reference.lateApplied.length).toBeGreaterThan(0);
    expect(reference.late.length).toBeGreaterThan(0);
    expect(byEntityAndTs(cleanOf(streamed))).toEqual(reference.clean);
    expect(byEntityAndTs(gapsOf(streamed))).toEqual(reference.gaps);
    expect(streamed.deadLetters.map((d) => (d.record as Measurement).eventId).sort()).toEqual(reference.late.map((l) => l.measurement.eventId).sort());
    expect(streamed.quality.get('lateApplied')).toBe(reference.lateApplied.length);
  });

  it.each([1, 7, 500])('gives the same clean records, gaps and late records with batches of %i', { timeout: 60_000 }, (batchSize) => {
    const partitions = simulatedPartitions();
    const reference = cleanReference(partitions, config);
    const streamed = runInMemory(stage, partitions, batchSize);
    expect(reference.clean.length).toBeGreaterThan(1_000);
    expect(reference.gaps.length).toBeGreaterThan(10);
    expect(reference.late.length).toBeGreaterThan(0);
    expect(byEntityAndTs(cleanOf(streamed))).toEqual(reference.clean);
    expect(byEntityAndTs(gapsOf(streamed))).toEqual(reference.gaps);
    expect(streamed.deadLetters.map((d) => (d.record as Measurement).eventId).sort()).toEqual(reference.late.map((l) => l.measurement.eventId).sort());
    expect(reference.clean.some((c) => c.outliers.length > 0)).toBe(true);
  });
});
