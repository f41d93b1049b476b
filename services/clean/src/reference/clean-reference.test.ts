import { describe, expect, it } from 'vitest';
import type { CleanMeasurement, Measurement } from '@gridstream/schemas';
import { CleanConfig } from '../config.js';
import { cleanReference } from './clean-reference.js';

const config: CleanConfig = CleanConfig.parse({});

const T0 = Date.UTC(2026, 0, 1); // 1767225600000
const MIN = 60_000;
const STEP = 15 * MIN; // meter cadence

function meter(ts: number, values: Record<string, number>, overrides: Partial<Measurement> = {}): Measurement {
  return {
    source: 'meter',
    entity: 'meter:M-0001',
    ts,
    values,
    units: Object.fromEntries(Object.keys(values).map((name) => [name, name === 'voltage' ? 'V' : 'kW'])),
    tags: { tz: 'Europe/Berlin' },
    eventId: `e-${ts}`,
    ingestedAt: ts + 1_000,
    batch: null,
    ...overrides,
  };
}

/** The step a single record on the meter cadence becomes, before outliers. */
function cleanOf(m: Measurement, overrides: Partial<CleanMeasurement> = {}): CleanMeasurement {
  return {
    source: m.source,
    entity: m.entity,
    ts: Math.floor(m.ts / STEP) * STEP,
    values: m.values,
    units: m.units,
    tags: m.tags,
    eventId: m.eventId,
    ingestedAt: m.ingestedAt,
    imputed: [],
    outliers: [],
    convertedFrom: {},
    resampledFrom: 1,
    ...overrides,
  };
}

/** One meter step per value, on consecutive steps from T0. */
function loadSeries(loads: number[], entity = 'meter:M-0001'): Measurement[] {
  return loads.map((load, i) => meter(T0 + i * STEP, { load }, { entity }));
}

describe('cleanReference', () => {
  it('converts to canonical units and records the original unit', () => {
    const m = meter(T0 + MIN, { load: 1500, pv: 0.25 }, { units: { load: 'W', pv: 'kW' } });
    expect(cleanReference([[m]], config)).toEqual({
      clean: [cleanOf(m, { values: { load: 1.5, pv: 0.25 }, units: { load: 'kW', pv: 'kW' }, convertedFrom: { load: 'W' } })],
      gaps: [],
      late: [],
      lateApplied: [],
    });
  });

  it('resamples three 5-minute meter records into one 15-minute step by the mean', () => {
    const records = [
      meter(T0, { load: 1, pv: 0.5 }, { ingestedAt: T0 + 10 }),
      meter(T0 + 5 * MIN, { load: 2 }, { ingestedAt: T0 + 99, tags: { tz: 'UTC' } }),
      meter(T0 + 10 * MIN, { load: 4500, pv: 1 }, { units: { load: 'W', pv: 'kW' }, ingestedAt: T0 + 50, tags: { tz: 'Europe/Paris' } }),
    ];
    // Arrival order does not matter within a step: the records are sorted by ts.
    const { clean } = cleanReference([[records[2]!, records[0]!, records[1]!]], config);
    expect(clean).toEqual([
      {
        source: 'meter',
        entity: 'meter:M-0001',
        ts: T0,
        values: { load: 2.5, pv: 0.75 }, // (1 + 2 + 4.5) / 3; pv over the two records that have it
        units: { load: 'kW', pv: 'kW' },
        tags: { tz: 'Europe/Paris' },
        eventId: `e-${T0 + 10 * MIN}`,
        ingestedAt: T0 + 99,
        imputed: [],
        outliers: [],
        convertedFrom: { load: 'W' },
        resampledFrom: 3,
      },
    ]);
  });

  it('sums energy when resampling an hourly EIA step', () => {
    const eia = (ts: number, values: Record<string, number>, units: Record<string, string>): Measurement => ({
      ...meter(ts, values),
      source: 'eia',
      entity: 'eia:PACW',
      units,
      tags: { region: 'PACW' },
    });
    const { clean } = cleanReference(
      [
        [
          eia(T0, { demand: 3000, gen_sun: 100 }, { demand: 'MWh', gen_sun: 'MWh' }),
          eia(T0 + 30 * MIN, { demand: 3100, gen_sun: 20_000 }, { demand: 'MWh', gen_sun: 'kWh' }),
        ],
      ],
      config,
    );
    expect(clean).toEqual([
      {
        source: 'eia',
        entity: 'eia:PACW',
        ts: T0,
        values: { demand: 6100, gen_sun: 120 },
        units: { demand: 'MWh', gen_sun: 'MWh' },
        tags: { region: 'PACW' },
        eventId: `e-${T0 + 30 * MIN}`,
        ingestedAt: T0 + 30 * MIN + 1_000,
        imputed: [],
        outliers: [],
        convertedFrom: { gen_sun: 'kWh' },
        resampledFrom: 2,
      },
    ]);
  });

  it('drops a repeat of an (entity, ts): the first one wins', () => {
    const first = meter(T0, { load: 1 });
    const repeat = meter(T0, { load: 2 }, { eventId: 'other' });
    expect(cleanReference([[first, repeat]], config)).toEqual({ clean: [cleanOf(first)], gaps: [], late: [], lateApplied: [] });
  });

  it('dead-letters records whose step ends at or before the partition watermark, with lateByMs', () => {
    const ahead = meter(T0 + 120 * MIN, { load: 1 }, { entity: 'meter:M-0002' }); // watermark afterwards: T0 + 90 min
    const late = meter(T0 + 5 * MIN, { load: 1 }); // step end T0 + 15 min
    const atWatermark = meter(T0 + 80 * MIN, { load: 1 }); // step T0 + 75 min ends exactly at the watermark
    const accepted = meter(T0 + 95 * MIN, { load: 1 }); // step T0 + 90 min ends after it
    const result = cleanReference([[ahead, late, atWatermark, accepted]], config);
    expect(result.late).toEqual([
      { measurement: late, lateByMs: 75 * MIN },
      { measurement: atWatermark, lateByMs: 0 },
    ]);
    expect(result.clean).toEqual([cleanOf(accepted), cleanOf(ahead)]);
  });

  it('counts every record read towards the watermark, of any source', () => {
    const weather: Measurement = {
      ...meter(T0 + 120 * MIN, { temperature: 5 }),
      source: 'weather',
      entity: 'weather:berlin',
      units: { temperature: 'degC' },
    };
    const late = meter(T0, { load: 1 });
    expect(cleanReference([[weather, late]], config).late).toEqual([{ measurement: late, lateByMs: 75 * MIN }]);
  });

  it('treats a repeat far behind the watermark as late, and a near one as a duplicate', () => {
    const first = meter(T0, { load: 1 });
    const near = [first, meter(T0 + 80 * MIN, { load: 1 }), meter(T0, { load: 2 })];
    // Watermark T0 + 50 min: the repeat is 50 min behind, within grace + 2 cadences (60 min), so it is dropped although its step has closed.
    expect(cleanReference([near], config).late).toEqual([]);

    const repeat = meter(T0, { load: 2 });
    const far = [first, meter(T0 + 180 * MIN, { load: 1 }), repeat];
    // Watermark T0 + 150 min: 150 min behind is more than 60 min, so it is late by 150 - 15 min.
    const result = cleanReference([far], config);
    expect(result.late).toEqual([{ measurement: repeat, lateByMs: 135 * MIN }]);
    expect(result.clean.map((c) => [c.ts, c.values])).toEqual([
      [T0, { load: 1 }],
      [T0 + 180 * MIN, { load: 1 }],
    ]);
  });

  it('keeps a watermark per partition', () => {
    const ahead = meter(T0 + 120 * MIN, { load: 1 }, { entity: 'meter:M-0002' });
    const behind = meter(T0, { load: 1 });
    expect(cleanReference([[ahead], [behind]], config)).toEqual({ clean: [cleanOf(behind), cleanOf(ahead)], gaps: [], late: [], lateApplied: [] });
    expect(cleanReference([[ahead, behind]], config).late).toEqual([{ measurement: behind, lateByMs: 75 * MIN }]);
  });

  it('interpolates a 2-step gap linearly over the variables both neighbours have, and reports the gap', () => {
    const p = meter(T0, { load: 1, pv: 2 }, { tags: { tz: 'Europe/Berlin', site: 'p' } });
    const s = meter(T0 + 45 * MIN, { load: 4, voltage: 230 }, { ingestedAt: T0 + 99 * MIN });
    const imputed = (ts: number, load: number, eventId: string): CleanMeasurement => ({
      source: 'meter',
      entity: 'meter:M-0001',
      ts,
      values: { load },
      units: { load: 'kW' },
      tags: { tz: 'Europe/Berlin', site: 'p' },
      eventId,
      ingestedAt: T0 + 99 * MIN,
      imputed: ['load'],
      outliers: [],
      convertedFrom: {},
      resampledFrom: 0,
    });
    expect(cleanReference([[p, s]], config)).toEqual({
      clean: [
        cleanOf(p),
        // eventId: SHA-256 of "meter:M-0001@1767226500000" and "...@1767227400000"
        imputed(T0 + 15 * MIN, 2, 'fbf4649d75d2b2cbf808aeaf029d4be15f0e2864a6c540aea5019abeed801ec5'),
        imputed(T0 + 30 * MIN, 3, '9a62c73ba7e556262d41f30e98cd7f51e7abe32fead33a61f6fcfffb3bdc49ba'),
        cleanOf(s),
      ],
      gaps: [{ source: 'meter', entity: 'meter:M-0001', start: T0 + 15 * MIN, end: T0 + 45 * MIN, stepMs: STEP, missingSteps: 2, imputedSteps: 2 }],
      late: [],
      lateApplied: [],
    });
  });

  it('carries TEP manipulated variables forward and interpolates measurements', () => {
    const tep = (ts: number, values: Record<string, number>): Measurement => ({ ...meter(ts, values), source: 'tep', entity: 'tep:unit-1', units: {}, tags: { fault: '0' } });
    const { clean, gaps } = cleanReference([[tep(T0, { xmeas_1: 10, xmv_1: 5 }), tep(T0 + 9 * MIN, { xmeas_1: 40, xmv_1: 8 })]], config);
    expect(clean.map((c) => [c.ts, c.values, c.units, c.imputed, c.eventId, c.convertedFrom])).toEqual([
      [T0, { xmeas_1: 10, xmv_1: 5 }, { xmeas_1: '', xmv_1: '' }, [], `e-${T0}`, {}],
      [T0 + 3 * MIN, { xmeas_1: 20, xmv_1: 5 }, { xmeas_1: '', xmv_1: '' }, ['xmeas_1', 'xmv_1'], 'a9213dc05ed0ad44ef4c5c665dc0cadae60e0848dbdf9b5b1775f41c7d4928eb', {}],
      [T0 + 6 * MIN, { xmeas_1: 30, xmv_1: 5 }, { xmeas_1: '', xmv_1: '' }, ['xmeas_1', 'xmv_1'], '6039e8511115025d51a229f8b704986e7bb7b59ac1f43d242d40003ff96ec84a', {}],
      [T0 + 9 * MIN, { xmeas_1: 40, xmv_1: 8 }, { xmeas_1: '', xmv_1: '' }, [], `e-${T0 + 9 * MIN}`, {}],
    ]);
    expect(gaps).toEqual([{ source: 'tep', entity: 'tep:unit-1', start: T0 + 3 * MIN, end: T0 + 9 * MIN, stepMs: 3 * MIN, missingSteps: 2, imputedSteps: 2 }]);
  });

  it('reports a gap longer than the limit without filling it', () => {
    const p = meter(T0, { load: 1 });
    const s = meter(T0 + 105 * MIN, { load: 8 });
    expect(cleanReference([[p, s]], config)).toEqual({
      clean: [cleanOf(p), cleanOf(s)],
      gaps: [{ source: 'meter', entity: 'meter:M-0001', start: T0 + 15 * MIN, end: T0 + 105 * MIN, stepMs: STEP, missingSteps: 6, imputedSteps: 0 }],
      late: [],
      lateApplied: [],
    });
  });

  describe('outliers', () => {
    const steady = [1, 1.1, 0.9, 1, 1.05, 0.95, 1, 1.1, 0.9, 1];

    it('flags a value far from the median of the preceding steps, and keeps it', () => {
      const { clean } = cleanReference([loadSeries([...steady, 9])], config);
      expect(clean.map((c) => c.outliers)).toEqual([...steady.map(() => []), ['load']]);
      expect(clean.at(-1)!.values).toEqual({ load: 9 });
    });

    it('replaces the outlier by the median when its variable is configured', () => {
      // Median of the 10 preceding loads: the mean of the two middle values, (1 + 1) / 2.
      const { clean } = cleanReference([loadSeries([...steady, 9])], { ...config, replaceOutliers: ['load'] });
      expect(clean.at(-1)).toMatchObject({ values: { load: 1 }, outliers: ['load'] });
    });

    it('flags nothing with fewer than CLEAN_HAMPEL_MIN_STEPS preceding steps', () => {
      const { clean } = cleanReference([loadSeries([1, 1, 1, 1, 1, 1, 1, 9])], config);
      expect(clean.flatMap((c) => c.outliers)).toEqual([]);
    });

    it('uses the noise floor as the smallest scale', () => {
      const flat = Array.from({ length: 10 }, () => 1);
      // load: mad 0, 5 % of the median 0.05, noise floor 0.5, so anything more than 4 × 0.5 from 1 is an outlier.
      const result = cleanReference([loadSeries([...flat, 2.9], 'meter:M-0001'), loadSeries([...flat, 3.1], 'meter:M-0002')], config);
      expect(result.clean.filter((c) => c.outliers.length > 0).map((c) => c.entity)).toEqual(['meter:M-0002']);

      // TEP has no noise floor: the scale is 5 % of the median, 0.05, so 1.3 is already an outlier.
      const tep = [...flat, 1.3].map((v, i) => ({ ...meter(T0 + i * 3 * MIN, { xmeas_1: v }), source: 'tep', entity: 'tep:unit-1', units: {} }));
      expect(cleanReference([tep], config).clean.at(-1)!.outliers).toEqual(['xmeas_1']);
    });

    it('scales by 1.4826 × MAD or 5 % of the median, whichever is larger', () => {
      const tep = (values: number[], entity: string) =>
        values.map((v, i) => ({ ...meter(T0 + i * 3 * MIN, { xmeas_1: v }), source: 'tep', entity, units: {} }));
      const flagged = (partitions: Measurement[][]) =>
        cleanReference(partitions, config).clean.filter((c) => c.outliers.length > 0).map((c) => c.entity);
      const flat = Array.from({ length: 10 }, () => 100);
      // Median 100, mad 0: the scale is 5, so the limit is 100 ± 20.
      expect(flagged([tep([...flat, 119], 'tep:a'), tep([...flat, 121], 'tep:b')])).toEqual(['tep:b']);
      const spread = Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? 10 : 12));
      // Median (10 + 12) / 2 = 11, mad 1: the scale is 1.4826, so the limit is 11 + 5.9304.
      expect(flagged([tep([...spread, 16.9], 'tep:a'), tep([...spread, 17], 'tep:b')])).toEqual(['tep:b']);
    });
  });

  it('flags a temperature change steeper than 10 °C per hour, allowing more across a gap', () => {
    const hour = 3_600_000;
    const weather = (hours: number, temperature: number): Measurement => ({
      source: 'weather',
      entity: 'weather:KPDX',
      ts: T0 + hours * hour,
      values: { temperature },
      units: { temperature: 'degC' },
      tags: { tz: 'UTC' },
      eventId: `w${hours}`,
      ingestedAt: T0,
      batch: null,
    });
    const { clean } = cleanReference([[weather(0, 5), weather(1, 16), weather(2, 14), weather(4, 33)]], config);
    expect(clean.filter((c) => c.imputed.length === 0).map((c) => [(c.ts - T0) / hour, c.outliers])).toEqual([
      [0, []],
      [1, ['temperature']], // +11 in one hour
      [2, []],
      [4, []], // +19 in two hours
    ]);
  });

  it('sorts outputs by entity, then ts', () => {
    const a = meter(T0 + STEP, { load: 1 }, { entity: 'meter:B' });
    const b = meter(T0, { load: 1 }, { entity: 'meter:B' });
    const c = meter(T0 + STEP, { load: 1 }, { entity: 'meter:A' });
    expect(cleanReference([[a, b, c]], config).clean.map((m) => [m.entity, m.ts])).toEqual([
      ['meter:A', T0 + STEP],
      ['meter:B', T0],
      ['meter:B', T0 + STEP],
    ]);
  });
});
