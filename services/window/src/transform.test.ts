import { describe, expect, it } from 'vitest';
import { runInMemory, testContext } from '@gridstream/runtime';
import { cleanReference } from '@gridstream/clean/reference';
import { featureReference } from '@gridstream/feature/reference';
import type { FeatureVector, Measurement, Sequence } from '@gridstream/schemas';
import { defaultSimulationConfig, simulate } from '@gridstream/simulator';
import type { WindowConfig } from './config.js';
import { windowReference } from './reference/window-reference.js';
import { sequences } from './transform.js';
import { windowStateCodec, type WindowState } from './window-state.js';

const hour = 3_600_000;
const t0 = Date.UTC(2026, 0, 5);
const config: WindowConfig = { seqLen: 4, stride: 2, graceMs: 2 * hour };

function weather(h: number, temperature: number, overrides: Partial<FeatureVector> = {}): FeatureVector {
  return {
    entity: 'weather:KPDX',
    ts: t0 + h * hour,
    featureSet: { name: 'weather', version: 2 },
    names: ['value', 'hour_local'],
    values: [temperature, h % 24],
    imputed: false,
    ingestedAt: null,
    ...overrides,
  };
}

function run(vectors: FeatureVector[], state: WindowState = windowStateCodec.initial()) {
  const ctx = testContext(config, { key: 'weather:KPDX' });
  return vectors.flatMap((vector) => sequences(vector, state, ctx));
}

const sequencesOf = (outputs: ReturnType<typeof run>) => outputs.filter((o) => o.kind === 'emit').map((o) => o.value as Sequence);
const rowsOf = (sequence: Sequence) =>
  Array.from({ length: sequence.seqLen }, (_, i) => Array.from({ length: sequence.names.length }, (_, j) => sequence.values.readFloatLE((i * sequence.names.length + j) * 4)));

describe('sequences (streaming)', () => {
  it('gives out each sequence as soon as the entity reaches its last step, aligned to multiples of the stride', () => {
    // Ends every 2 h; the first sequence of 4 h starts at or after the first vector (01:00), so it ends at 06:00.
    const given = sequencesOf(run([1, 2, 3, 4, 5, 6, 7].map((h) => weather(h, 10 + h))));
    expect(given.map((s) => [(s.start - t0) / hour, (s.end - t0) / hour, s.revision])).toEqual([
      [2, 6, 0],
      [4, 8, 0],
    ]);
    expect(given[0]).toMatchObject({ entity: 'weather:KPDX', stepMs: hour, seqLen: 4, names: ['value', 'hour_local'], featureSet: { name: 'weather', version: 2 } });
    expect(rowsOf(given[0]!)).toEqual([
      [12, 2],
      [13, 3],
      [14, 4],
      [15, 5],
    ]);
    expect([...given[0]!.mask]).toEqual([0, 0, 0, 0]);
  });

  it('masks imputed and missing steps, the missing ones as NaN', () => {
    const [sequence] = sequencesOf(run([weather(2, 1), weather(3, 2, { imputed: true }), weather(5, 4), weather(6, 5)]));
    expect([...sequence!.mask]).toEqual([0, 1, 2, 0]);
    expect(rowsOf(sequence!)[2]).toEqual([Number.NaN, Number.NaN]);
  });

  it('revises a sequence given out when a correction within the grace comes, drops a repeat and dead-letters one beyond it', () => {
    const state = windowStateCodec.initial();
    run([2, 3, 5, 6].map((h) => weather(h, h)), state);
    // 04:00 is 2 h behind the newest vector: within the grace.
    const [revised, ...more] = sequencesOf(run([weather(4, 40)], state));
    expect(more).toEqual([]);
    expect(revised).toMatchObject({ end: t0 + 6 * hour, revision: 1 });
    expect([...revised!.mask]).toEqual([0, 0, 0, 0]);
    expect(run([weather(4, 40)], state)).toEqual([{ kind: 'dropped', reason: 'duplicate', source: 'weather' }]);
    run([weather(10, 10)], state);
    expect(run([weather(5, 50)], state)).toMatchObject([{ kind: 'dead-letter', reason: 'late', headers: { 'gridstream.late.by.ms': String(3 * hour) } }]);
  });

  it('keeps rows in the changelog as parts, so a restored state goes on exactly as the original', () => {
    const vectors = Array.from({ length: 40 }, (_, h) => weather(h, Math.sin(h)));
    const uninterrupted = sequencesOf(run(vectors));
    // The changelog after compaction: the newest value of each part, deleted parts gone.
    const original = windowStateCodec.initial();
    const compacted = new Map<string, Buffer>();
    const before = sequencesOf(run(vectors.slice(0, 25), original));
    for (const [part, bytes] of windowStateCodec.takeChanges(original)) {
      if (bytes === null) compacted.delete(part);
      else compacted.set(part, bytes);
    }
    // Only the rows a sequence can still need are kept: 4 steps back from the next end, plus the grace.
    expect([...compacted.keys()].filter((part) => part.startsWith('r')).length).toBeLessThanOrEqual(4 + 2 + 2);
    const after = sequencesOf(run(vectors.slice(25), windowStateCodec.fromParts(compacted)));
    expect([...before, ...after]).toEqual(uninterrupted);
  });

  it('leaves only the new layout\'s rows in the changelog when a feature set of another cadence restarts the entity before a commit', () => {
    const original = windowStateCodec.initial();
    const compacted = new Map<string, Buffer>();
    const commit = () => {
      for (const [part, bytes] of windowStateCodec.takeChanges(original)) {
        if (bytes === null) compacted.delete(part);
        else compacted.set(part, bytes);
      }
    };
    run([1, 2, 3].map((h) => weather(h, h)), original);
    commit();
    // Meter vectors come every 15 minutes: the hourly rows go, and 4:15 is a row no hourly key names.
    const quarterHours = [16, 17, 18].map((q) => weather(0, q, { ts: t0 + q * 900_000, featureSet: { name: 'meter', version: 2 } }));
    run(quarterHours, original);
    commit();
    expect([...compacted.keys()].filter((part) => part.startsWith('r')).sort()).toEqual(quarterHours.map((v) => `r${v.ts}`).sort());
    const next = weather(0, 19, { ts: t0 + 19 * 900_000, featureSet: { name: 'meter', version: 2 } });
    expect(run([next], windowStateCodec.fromParts(compacted))).toEqual(run([next], original));
  });
});

describe('sequences (streaming) against the batch reference', () => {
  it('gives the same sequences from simulated feature vectors, in any batch size', { timeout: 60_000 }, () => {
    const simulation = defaultSimulationConfig({ seed: 31, durationMs: 2 * 86_400_000, meters: 4, regions: 1, weatherStations: 2, tepUnits: 1, faults: { lateShare: 0 } });
    const valid: Measurement[][] = [[], [], []];
    for (const event of simulate(simulation)) {
      if (event.truth.kinds.includes('malformed') || event.truth.kinds.includes('future_ts')) continue;
      const parsed = JSON.parse(event.line) as Omit<Measurement, 'eventId' | 'ingestedAt' | 'batch'>;
      valid[partitionOf(parsed.entity)]!.push({ ...parsed, units: parsed.units ?? {}, eventId: `${event.sendOrder}`, ingestedAt: 0, batch: null });
    }
    const clean = cleanReference(valid, { graceMs: hour, maxInterpolateSteps: 2, hampelWindowSteps: 24, hampelMinSteps: 8, hampelThreshold: 4, replaceOutliers: [], latePolicy: 'dlq', idleMs: 1 }).clean;
    const vectors = featureReference(clean, { ewmaAlpha: 0.1, tepReferenceSteps: 50, weatherMaxStalenessMs: 3 * hour, weatherIdleMs: 1 });
    const partitions: FeatureVector[][] = [[], [], []];
    for (const vector of vectors) partitions[partitionOf(vector.entity)]!.push(vector);
    const windowConfig: WindowConfig = { seqLen: 24, stride: 6, graceMs: hour };
    const reference = windowReference(partitions.flat(), windowConfig);
    expect(new Set(reference.map((s) => s.featureSet.name))).toEqual(new Set(['meter', 'eia', 'weather', 'tep']));
    expect(reference.some((s) => s.mask.includes(1) || s.mask.includes(2))).toBe(true);
    for (const batchSize of [1, 50, 1000]) {
      const streamed = runInMemory({ transform: sequences, state: windowStateCodec, config: windowConfig, keyOf: (v: FeatureVector) => v.entity }, partitions, batchSize);
      const given = ((streamed.emitted.get('output') ?? []) as Sequence[]).sort((a, b) => (a.entity < b.entity ? -1 : a.entity > b.entity ? 1 : a.end - b.end));
      expect(given).toEqual(reference);
    }
  });
});

function partitionOf(entity: string): number {
  return [...entity].reduce((hash, c) => (hash * 31 + c.charCodeAt(0)) % 3, 0);
}
