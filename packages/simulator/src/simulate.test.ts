import { describe, expect, it } from 'vitest';
import { defaultSimulationConfig } from './config.js';
import { gapsOf } from './gaps.js';
import { groundTruthLine, simulate, type SimulatedEvent } from './simulate.js';

const dayMs = 86_400_000;
// Two days with shares high enough that each fault occurs dozens of times in about 3,500 events.
const config = defaultSimulationConfig({
  seed: 42,
  durationMs: 2 * dayMs,
  meters: 12,
  regions: 3,
  weatherStations: 3,
  tepUnits: 1,
  faults: {
    duplicateShare: 0.03,
    outOfOrderShare: 0.03,
    outOfOrderMaxMs: 1_200_000,
    lateShare: 0.02,
    lateByMs: 7_200_000,
    gapShare: 0.03,
    outlierShare: 0.02,
    malformedShare: 0.02,
    futureTsShare: 0.01,
    unitChangeShare: 0.03,
  },
});
const events = [...simulate(config)];
const gaps = gapsOf(config);
const stepsPerEntity = { meter: (2 * dayMs) / 900_000, eia: 48, weather: 48, tep: (2 * dayMs) / 180_000 };
const entitiesPerSource = { meter: 12, eia: 3, weather: 3, tep: 1 };
type Source = keyof typeof stepsPerEntity;
const sourceOf = (entity: string) => entity.split(':')[0] as Source;
const has = (event: SimulatedEvent, kind: string) => (event.truth.kinds as string[]).includes(kind);
const originals = events.filter((e) => !has(e, 'duplicate'));

/** The latest true event time sent before each event. */
let latestTs = -Infinity;
const latestTsBefore = events.map((e) => {
  const before = latestTs;
  latestTs = Math.max(latestTs, e.truth.ts);
  return before;
});

function wellFormed(line: string): boolean {
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return false; // not JSON: exactly what a malformed line may be
  }
  const { source, entity, ts, values } = parsed;
  return (
    typeof source === 'string' &&
    typeof entity === 'string' &&
    typeof ts === 'number' &&
    typeof values === 'object' &&
    values !== null &&
    Object.values(values).every((v) => typeof v === 'number')
  );
}

/** True when `count` of `n` trials is within 5 standard deviations of share p: never flaky, still catches a wrong share. */
function nearShare(count: number, n: number, p: number): boolean {
  return Math.abs(count - n * p) <= 5 * Math.sqrt(n * p * (1 - p)) + 1;
}

describe('simulate', () => {
  it('yields byte-identical lines for the same seed and different ones for another seed', () => {
    const again = [...simulate(config)];
    expect(again.map((e) => e.line)).toEqual(events.map((e) => e.line));
    expect(again.map(groundTruthLine)).toEqual(events.map(groundTruthLine));
    const other = [...simulate({ ...config, seed: 43 })].map((e) => e.line);
    expect(other.slice(0, 20)).not.toEqual(events.slice(0, 20).map((e) => e.line));
  });

  it('numbers events in send order', () => {
    expect(events.map((e) => e.sendOrder)).toEqual(events.map((_, i) => i));
  });

  it('sends every step of every entity once, less the gaps, plus the duplicates', () => {
    for (const source of Object.keys(stepsPerEntity) as Source[]) {
      const missing = gaps.filter((g) => g.source === source).reduce((sum, g) => sum + g.missingSteps, 0);
      const duplicates = events.filter((e) => sourceOf(e.truth.entity) === source && has(e, 'duplicate')).length;
      const sent = events.filter((e) => sourceOf(e.truth.entity) === source).length;
      expect({ source, sent }).toEqual({ source, sent: entitiesPerSource[source] * stepsPerEntity[source] - missing + duplicates });
    }
  });

  it('leaves out exactly the steps gapsOf reports, in runs of 1-4 steps', () => {
    const sentSteps = new Set(originals.map((e) => `${e.truth.entity}@${e.truth.ts}`));
    expect(sentSteps.size).toBe(originals.length);
    for (const gap of gaps) {
      expect(gap.missingSteps).toBeGreaterThanOrEqual(1);
      expect(gap.missingSteps).toBeLessThanOrEqual(4);
      expect(sentSteps.has(`${gap.entity}@${gap.start - gap.stepMs}`)).toBe(true);
      expect(sentSteps.has(`${gap.entity}@${gap.end}`)).toBe(true);
      for (let ts = gap.start; ts < gap.end; ts += gap.stepMs) expect(sentSteps.has(`${gap.entity}@${ts}`)).toBe(false);
    }
  });

  it('injects each fault at roughly its configured share', () => {
    const f = config.faults;
    const n = originals.length;
    const count = (kind: string, among = originals) => among.filter((e) => has(e, kind)).length;
    const meterOriginals = originals.filter((e) => sourceOf(e.truth.entity) === 'meter');
    const allSteps = Object.keys(stepsPerEntity).reduce((sum, s) => sum + entitiesPerSource[s as Source] * stepsPerEntity[s as Source], 0);
    const missingSteps = gaps.reduce((sum, g) => sum + g.missingSteps, 0);
    expect(n).toBeGreaterThan(3_000);
    expect(nearShare(count('out_of_order'), n, f.outOfOrderShare)).toBe(true);
    expect(nearShare(count('late'), n, f.lateShare)).toBe(true);
    expect(nearShare(count('malformed'), n, f.malformedShare)).toBe(true);
    expect(nearShare(count('outlier'), n, f.outlierShare)).toBe(true);
    expect(nearShare(count('future_ts'), n, f.futureTsShare)).toBe(true);
    expect(nearShare(count('unit_change', meterOriginals), meterOriginals.length, f.unitChangeShare)).toBe(true);
    expect(nearShare(count('duplicate', events), n, f.duplicateShare * (1 - f.lateShare))).toBe(true);
    expect(nearShare(missingSteps, allSteps, f.gapShare)).toBe(true);
    for (const kind of ['out_of_order', 'late', 'malformed', 'outlier', 'future_ts', 'unit_change', 'duplicate']) {
      expect({ kind, some: count(kind, events) > 0 }).toEqual({ kind, some: true });
    }
  });

  it('makes malformed lines unparseable or short of a required field, and every other line well-formed', () => {
    const malformed = events.filter((e) => has(e, 'malformed'));
    expect(malformed.filter((e) => wellFormed(e.line))).toEqual([]);
    expect(events.filter((e) => !has(e, 'malformed') && !wellFormed(e.line))).toEqual([]);
    expect(malformed.filter((e) => e.key === null).every((e) => !e.line.includes('"entity"'))).toBe(true);
  });

  it('sends out-of-order records after later ones, but within outOfOrderMaxMs of their event time', () => {
    const lags = events.flatMap((e, i) => (has(e, 'out_of_order') ? [latestTsBefore[i]! - e.truth.ts] : []));
    expect(lags.length).toBeGreaterThan(50);
    expect(Math.max(...lags)).toBeLessThanOrEqual(config.faults.outOfOrderMaxMs);
    // Not all: the stream's event time stands still over a step that no entity sent (a gap, a delayed record).
    expect(lags.filter((lagMs) => lagMs > 0).length).toBeGreaterThan(0.9 * lags.length);
  });

  it('sends late records lateByMs after their event time', () => {
    const lags = events.flatMap((e, i) => (has(e, 'late') ? [latestTsBefore[i]! - e.truth.ts] : []));
    expect(lags.length).toBeGreaterThan(30);
    expect(Math.max(...lags)).toBe(config.faults.lateByMs);
    expect(Math.min(...lags)).toBeGreaterThanOrEqual(config.faults.lateByMs - 900_000); // as above, by at most one meter step
  });

  it('repeats a line already sent, within outOfOrderMaxMs, as a duplicate', () => {
    events.forEach((e, i) => {
      if (!has(e, 'duplicate')) return;
      const first = events.findIndex((other) => other.line === e.line);
      expect(first).toBeLessThan(i);
      expect(events[first]!.truth.kinds).not.toContain('duplicate');
      expect(latestTsBefore[i]! - e.truth.ts).toBeLessThanOrEqual(config.faults.outOfOrderMaxMs);
    });
  });

  it('moves future_ts records a year ahead, sends unit changes in W and names the altered variable', () => {
    const parsed = (e: SimulatedEvent) => JSON.parse(e.line) as { ts: number; units: Record<string, string>; values: Record<string, number> };
    for (const e of events.filter((e) => has(e, 'future_ts'))) expect(parsed(e).ts).toBe(e.truth.ts + 365 * dayMs);
    for (const e of events.filter((e) => has(e, 'unit_change'))) {
      expect(parsed(e).units.load).toBe('W');
      expect(e.truth.variable).toBe('load');
    }
    const meterLines = events.filter((e) => sourceOf(e.truth.entity) === 'meter' && wellFormed(e.line) && !has(e, 'unit_change'));
    expect(meterLines.every((e) => parsed(e).units.load === 'kW')).toBe(true);
    const outliers = events.filter((e) => has(e, 'outlier'));
    expect(outliers.every((e) => e.truth.variable !== undefined && e.truth.variable in parsed(e).values)).toBe(true);
  });

  it('writes ground truth as one JSON line per event', () => {
    const late = events.find((e) => has(e, 'late'))!;
    expect(JSON.parse(groundTruthLine(late))).toEqual({ sendOrder: late.sendOrder, key: late.key, ...late.truth });
  });

  it('refuses an impossible config, naming the field', () => {
    const bad = { ...config, faults: { ...config.faults, lateShare: 1.5 } };
    expect(() => simulate(bad).next()).toThrow('faults.lateShare: expected a share in [0, 1], got 1.5');
  });
});
