import { describe, expect, it } from 'vitest';
import { runInMemory, testContext } from '@gridstream/runtime';
import { cleanReference } from '@gridstream/clean/reference';
import type { CleanMeasurement, FeatureVector, Measurement } from '@gridstream/schemas';
import { defaultSimulationConfig, simulate } from '@gridstream/simulator';
import type { FeatureConfig } from './config.js';
import { featureStateCodec } from './feature-state.js';
import { featureReference } from './reference/feature-reference.js';
import { featureNames, featureStage } from './transform.js';
import { WeatherHistory } from './weather-join.js';

const config: FeatureConfig = { ewmaAlpha: 0.1, tepReferenceSteps: 100, weatherMaxStalenessMs: 3 * 3_600_000, weatherIdleMs: 60_000 };
const features = featureStage(new WeatherHistory(0)).transform;
const t0 = Date.UTC(2026, 0, 5); // a Monday

function meter(step: number, load: number | undefined, overrides: Partial<CleanMeasurement> = {}): CleanMeasurement {
  return {
    source: 'meter',
    entity: 'meter:M-1',
    ts: t0 + step * 900_000,
    values: load === undefined ? { pv: 0.5 } : { load, pv: 0.5 },
    units: { load: 'kW', pv: 'kW' },
    tags: { tz: 'Europe/Berlin', country: 'DE' },
    eventId: `e${step}`,
    ingestedAt: t0,
    imputed: [],
    outliers: [],
    convertedFrom: {},
    resampledFrom: 1,
    ...overrides,
  };
}

function featuresOf(records: CleanMeasurement[]): Array<Record<string, number>> {
  const state = featureStateCodec.initial();
  return records.flatMap((record) =>
    features(record, state, testContext(config)).map((output) => {
      const vector = (output as { value: FeatureVector }).value;
      return Object.fromEntries(vector.names.map((name, i) => [name, vector.values[i]!]));
    }),
  );
}

describe('features (streaming)', () => {
  it('computes calendar, lags, rolling statistics and the EWMA of a meter', () => {
    const [first, second, third] = featuresOf([meter(0, 1), meter(1, 3), meter(3, 5)]);
    expect(first).toMatchObject({ hour_local: 1, day_of_week: 1, month: 1, is_weekend: 0, is_holiday: 0, day_hours: 24, value: 1, lag_1: Number.NaN, ewma: 1 });
    expect(second).toMatchObject({ value: 3, lag_1: 1, mean_24: 2, std_24: Math.SQRT2, min_24: 1, max_24: 3, ewma: 0.1 * 3 + 0.9 * 1 });
    // Step 2 is missing: no lag 1 for step 3, and the window holds three values.
    expect(third).toMatchObject({ value: 5, lag_1: Number.NaN, mean_24: 3, min_24: 1, max_24: 5 });
  });

  it('keeps the EWMA through a record without the target, and drops a repeat', () => {
    const state = featureStateCodec.initial();
    const ctx = testContext(config);
    features(meter(0, 2), state, ctx);
    const [withoutLoad] = features(meter(1, undefined), state, ctx);
    expect((withoutLoad as { value: FeatureVector }).value.values[featureNames('meter').indexOf('ewma')]).toBe(2);
    expect(features(meter(1, 9), state, ctx)).toEqual([{ kind: 'dropped', reason: 'duplicate', source: 'meter' }]);
  });

  it('writes the recent values to the changelog as [ts, value] pairs, which versions before the two arrays read', () => {
    const ctx = testContext(config);
    const current = featureStateCodec.initial();
    for (const step of [0, 1, 3]) features(meter(step, step + 1), current, ctx);
    const encoded = featureStateCodec.encode(current);
    expect((JSON.parse(encoded.toString()) as { recent: unknown }).recent).toEqual([0, 1, 3].map((step) => [t0 + step * 900_000, step + 1]));
    const restored = featureStateCodec.decode(encoded);
    expect(restored).toEqual(current);
    expect(features(meter(4, 7), restored, ctx)).toEqual(features(meter(4, 7), current, ctx));
  });

  it('marks holidays by local date and flags imputed steps', () => {
    const christmas = Date.UTC(2026, 11, 25, 12);
    const [vector] = featuresOf([meter(0, 1, { ts: christmas, imputed: ['load'] })]);
    expect(vector).toMatchObject({ is_holiday: 1, day_of_week: 5 });
    const output = features(meter(0, 1, { imputed: ['load'] }), featureStateCodec.initial(), testContext(config))[0] as { value: FeatureVector };
    expect(output.value.imputed).toBe(true);
  });
});

describe('features (streaming) against the batch reference', () => {
  it('gives the same vectors for a simulated week after clean', { timeout: 60_000 }, () => {
    const simulation = defaultSimulationConfig({ seed: 21, durationMs: 8 * 86_400_000, meters: 6, regions: 2, weatherStations: 2, tepUnits: 1, faults: { lateShare: 0 } });
    const partitions: Measurement[][] = [[], [], []];
    for (const event of simulate(simulation)) {
      if (event.truth.kinds.includes('malformed') || event.truth.kinds.includes('future_ts')) continue;
      const parsed = JSON.parse(event.line) as Omit<Measurement, 'eventId' | 'ingestedAt' | 'batch'>;
      const m: Measurement = { ...parsed, units: parsed.units ?? {}, eventId: `${event.sendOrder}`, ingestedAt: 0, batch: null };
      partitions[[...m.entity].reduce((hash, c) => (hash * 31 + c.charCodeAt(0)) % 3, 0)]!.push(m);
    }
    const clean = cleanReference(partitions, { graceMs: 3_600_000, maxInterpolateSteps: 4, hampelWindowSteps: 24, hampelMinSteps: 8, hampelThreshold: 4, replaceOutliers: [], latePolicy: 'dlq', idleMs: 1 }).clean;
    const byPartition: CleanMeasurement[][] = [[], [], []];
    for (const record of clean) byPartition[[...record.entity].reduce((hash, c) => (hash * 31 + c.charCodeAt(0)) % 3, 0)]!.push(record);

    const stage = featureStage(new WeatherHistory(0));
    const streamed = runInMemory({ ...stage, state: featureStateCodec, config, keyOf: (c: CleanMeasurement) => c.entity }, byPartition, 50);
    const vectors = (streamed.emitted.get('output') ?? []) as FeatureVector[];
    vectors.sort((a, b) => (a.entity < b.entity ? -1 : a.entity > b.entity ? 1 : a.ts - b.ts));
    const reference = featureReference(clean, config);
    expect(reference.length).toBe(clean.length);
    expect(vectors).toEqual(reference);
    // The week reaches lag 168 and the 168-step window for hourly sources.
    const eia = reference.find((v) => v.entity.startsWith('eia:') && !Number.isNaN(v.values[v.names.indexOf('lag_168')]!));
    expect(eia).toBeDefined();
    // Meters and regions in a station's zone got its weather.
    const joined = reference.filter((v) => v.names.includes('weather_temperature') && !Number.isNaN(v.values[v.names.indexOf('weather_temperature')]!));
    expect(new Set(joined.map((v) => v.entity.split(':')[0]))).toEqual(new Set(['meter', 'eia']));
  });
});

describe('features (streaming): the weather join', () => {
  const hour = 3_600_000;
  const weatherAt = (ts: number, temperature: number): CleanMeasurement => ({
    ...meter(0, 1),
    source: 'weather',
    entity: 'weather:KPDX',
    ts,
    values: { temperature, wind_speed: 2, irradiance: 0, humidity: 80 },
    tags: { tz: 'America/Los_Angeles', station: 'KPDX' },
  });
  const load = (step: number) => meter(step, 1, { tags: { tz: 'America/Los_Angeles', country: 'US', station: 'KPDX' } });
  const joined = (outputs: ReturnType<typeof features>) =>
    outputs.map((output) => {
      const vector = (output as { value: FeatureVector }).value;
      return [vector.ts, vector.values[vector.names.indexOf('weather_temperature')], vector.values[vector.names.indexOf('weather_age_hours')]];
    });

  it('holds load until its station is read past its ts, then joins the observation as of it', () => {
    const weather = new WeatherHistory(0);
    const stage = featureStage(weather);
    const state = featureStateCodec.initial();
    const ctx = testContext(config, { key: 'meter:M-1' });
    expect(stage.transform(load(0), state, ctx)).toEqual([]);
    expect(stage.transform(load(1), state, ctx)).toEqual([]);
    expect(stage.sideInput.holds(state)).toBe(true);
    // The side input brings the station's weather: t0 covers every step before t0 + 1 h.
    const [, forward] = stage.transform(weatherAt(t0, 5), featureStateCodec.initial(), testContext(config, { key: 'weather:KPDX' }));
    expect(forward).toMatchObject({ kind: 'emit', topic: 'weather', key: 'weather:KPDX' });
    stage.sideInput.apply((forward as { value: CleanMeasurement }).value, 0);
    expect(joined(stage.sideInput.release(state, null, ctx))).toEqual([
      [t0, 5, 0],
      [t0 + 900_000, 5, 0.25],
    ]);
    // Step 4 is at t0 + 1 h, beyond what has been read.
    expect(stage.transform(load(4), state, ctx)).toEqual([]);
    weather.add(weatherAt(t0 + hour, 6), 0);
    expect(joined(stage.sideInput.release(state, null, ctx))).toEqual([[t0 + hour, 6, 0]]);
    expect(stage.sideInput.holds(state)).toBe(false);
  });

  it('stops waiting for a station quiet for the idle time only while the instance is current', () => {
    const weather = new WeatherHistory(0);
    const stage = featureStage(weather);
    weather.add(weatherAt(t0, 5), 1_000);
    const state = featureStateCodec.initial();
    stage.transform(load(4), state, testContext(config, { key: 'meter:M-1' }));
    const at = (nowMs: number) => testContext(config, { key: 'meter:M-1', nowMs });
    const idle = config.weatherIdleMs;
    expect(stage.sideInput.release(state, null, at(1_000 + idle))).toEqual([]);
    // Quiet since 1 s, current since 2 s: the idle time counts from 2 s.
    expect(stage.sideInput.release(state, 2_000, at(1_000 + idle))).toEqual([]);
    expect(joined(stage.sideInput.release(state, 2_000, at(2_000 + idle)))).toEqual([[t0 + hour, 5, 1]]);
  });

  it('keeps held vectors through the changelog, NaN included', () => {
    const weather = new WeatherHistory(0);
    const stage = featureStage(weather);
    const state = featureStateCodec.initial();
    stage.transform(load(0), state, testContext(config, { key: 'meter:M-1' }));
    const restored = featureStateCodec.decode(featureStateCodec.encode(state));
    weather.add(weatherAt(t0, 5), 0);
    const [before] = stage.sideInput.release(state, null, testContext(config, { key: 'meter:M-1' }));
    const [after] = stage.sideInput.release(restored, null, testContext(config, { key: 'meter:M-1' }));
    expect(after).toEqual(before);
    expect((after as { value: FeatureVector }).value.values.some(Number.isNaN)).toBe(true);
  });
});
