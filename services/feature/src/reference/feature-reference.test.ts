import { describe, expect, it } from 'vitest';
import type { CleanMeasurement, FeatureVector } from '@gridstream/schemas';
import type { FeatureConfig } from '../config.js';
import { featureReference } from './feature-reference.js';

const config: FeatureConfig = { ewmaAlpha: 0.1, tepReferenceSteps: 3, weatherMaxStalenessMs: 3 * 3_600_000, weatherIdleMs: 1_000 };
const MIN = 60_000;
const HOUR = 60 * MIN;
const METER_STEP = 15 * MIN;
const TEP_STEP = 3 * MIN;
const T0 = Date.UTC(2026, 0, 14); // a Wednesday without holidays

function record(
  source: string,
  ts: number,
  values: Record<string, number>,
  tags: Record<string, string> = {},
  overrides: Partial<CleanMeasurement> = {},
): CleanMeasurement {
  return {
    source,
    entity: `${source}:E-1`,
    ts,
    values,
    units: {},
    tags,
    eventId: `e-${ts}`,
    ingestedAt: ts + 1_000,
    imputed: [],
    outliers: [],
    convertedFrom: {},
    resampledFrom: 1,
    ...overrides,
  };
}

/** The named features of every vector, one object per vector. */
function pick(vectors: FeatureVector[], names: string[]): Array<Record<string, number>> {
  return vectors.map((v) =>
    Object.fromEntries(
      names.map((name) => {
        const i = v.names.indexOf(name);
        if (i < 0) throw new Error(`no feature ${name}`);
        return [name, v.values[i]!];
      }),
    ),
  );
}

/** One named feature of every vector, as a column. */
function column(vectors: FeatureVector[], name: string): number[] {
  return pick(vectors, [name]).map((row) => row[name]!);
}

/** Calendar features of single meter records at the given instants. */
function calendar(tss: number[], tags: Record<string, string>, names: string[]): Array<Record<string, number>> {
  return pick(
    featureReference(
      // One entity per instant, so instants need not increase; entity names sort in the order given.
      tss.map((ts, i) => record('meter', ts, { load: 1 }, tags, { entity: `meter:E-${String(i).padStart(2, '0')}` })),
      config,
    ),
    names,
  );
}

const CALENDAR = ['hour_local', 'day_of_week', 'month', 'is_weekend', 'is_holiday', 'day_hours'];
const TARGET = ['value', 'lag_1', 'lag_24', 'lag_168', 'mean_24', 'std_24', 'min_24', 'max_24', 'mean_168', 'std_168', 'min_168', 'max_168', 'ewma'];
const WEATHER_JOIN = ['weather_temperature', 'weather_wind_speed', 'weather_irradiance', 'weather_humidity', 'weather_age_hours'];
const nan = Number.NaN;
const square = (d: number) => d * d;

describe('featureReference: vectors', () => {
  it('names the feature set by source, orders names as docs/feature.md, flags imputed steps, carries ingestedAt', () => {
    const [vector] = featureReference([record('meter', T0, { load: 2, pv: 0.5 }, { tz: 'UTC' }, { imputed: ['pv'] })], config);
    expect(vector).toEqual({
      entity: 'meter:E-1',
      ts: T0,
      featureSet: { name: 'meter', version: 2 },
      names: [...CALENDAR, ...TARGET, 'pv', ...WEATHER_JOIN],
      values: [0, 3, 1, 0, nan, 24, 2, nan, nan, nan, 2, nan, 2, 2, 2, nan, 2, 2, 2, 0.5, nan, nan, nan, nan, nan],
      imputed: true,
      ingestedAt: T0 + 1_000,
    });
  });

  it('sorts by entity, then ts, whatever the partition order', () => {
    const b = (ts: number) => record('meter', ts, { load: 1 }, {}, { entity: 'meter:b' });
    const a = (ts: number) => record('meter', ts, { load: 1 }, {}, { entity: 'meter:a' });
    const vectors = featureReference([b(T0), b(T0 + METER_STEP), a(T0 + METER_STEP), a(T0 + 2 * METER_STEP)], config);
    expect(vectors.map((v) => [v.entity, v.ts])).toEqual([
      ['meter:a', T0 + METER_STEP],
      ['meter:a', T0 + 2 * METER_STEP],
      ['meter:b', T0],
      ['meter:b', T0 + METER_STEP],
    ]);
  });

  it('drops a record whose ts is not after the previous kept one, and leaves it out of the statistics', () => {
    const vectors = featureReference(
      [
        record('meter', T0, { load: 1 }),
        record('meter', T0 + METER_STEP, { load: 2 }),
        record('meter', T0 + METER_STEP, { load: 50 }), // a repeat
        record('meter', T0, { load: 70 }), // behind the previous kept one
        record('meter', T0 + 2 * METER_STEP, { load: 3 }),
      ],
      config,
    );
    expect(pick(vectors, ['value', 'lag_1', 'mean_24'])).toEqual([
      { value: 1, lag_1: nan, mean_24: 1 },
      { value: 2, lag_1: 1, mean_24: 1.5 },
      { value: 3, lag_1: 2, mean_24: 2 },
    ]);
  });
});

describe('featureReference: calendar', () => {
  it('reads local fields in the entity time zone, UTC without tz', () => {
    const wednesday = Date.UTC(2026, 0, 14, 10, 30);
    const saturday = Date.UTC(2026, 0, 17, 10, 30);
    const sunday = Date.UTC(2026, 0, 18, 22, 59); // Sunday 23:59 in Berlin
    expect(calendar([wednesday, saturday, sunday], { tz: 'Europe/Berlin', country: 'DE' }, CALENDAR)).toEqual([
      { hour_local: 11, day_of_week: 3, month: 1, is_weekend: 0, is_holiday: 0, day_hours: 24 },
      { hour_local: 11, day_of_week: 6, month: 1, is_weekend: 1, is_holiday: 0, day_hours: 24 },
      { hour_local: 23, day_of_week: 7, month: 1, is_weekend: 1, is_holiday: 0, day_hours: 24 },
    ]);
    expect(calendar([wednesday, Date.UTC(2026, 1, 28, 23, 45)], {}, ['hour_local', 'day_of_week', 'month', 'is_holiday'])).toEqual([
      { hour_local: 10, day_of_week: 3, month: 1, is_holiday: nan },
      { hour_local: 23, day_of_week: 6, month: 2, is_holiday: nan },
    ]);
  });

  it('Europe/Berlin 2026-03-29 has 23 hours: 02:00 is skipped', () => {
    const tss = [22, 23, 24, 25, 26].map((h) => Date.UTC(2026, 2, 28, h));
    expect(calendar(tss, { tz: 'Europe/Berlin' }, ['hour_local', 'day_of_week', 'day_hours'])).toEqual([
      { hour_local: 23, day_of_week: 6, day_hours: 24 },
      { hour_local: 0, day_of_week: 7, day_hours: 23 },
      { hour_local: 1, day_of_week: 7, day_hours: 23 },
      { hour_local: 3, day_of_week: 7, day_hours: 23 },
      { hour_local: 4, day_of_week: 7, day_hours: 23 },
    ]);
  });

  it('Europe/Berlin 2026-10-25 has 25 hours: 02:00 comes twice', () => {
    const tss = [22, 23, 24, 25, 26, 46, 47].map((h) => Date.UTC(2026, 9, 24, h));
    expect(calendar(tss, { tz: 'Europe/Berlin' }, ['hour_local', 'day_of_week', 'day_hours'])).toEqual([
      { hour_local: 0, day_of_week: 7, day_hours: 25 },
      { hour_local: 1, day_of_week: 7, day_hours: 25 },
      { hour_local: 2, day_of_week: 7, day_hours: 25 },
      { hour_local: 2, day_of_week: 7, day_hours: 25 },
      { hour_local: 3, day_of_week: 7, day_hours: 25 },
      { hour_local: 23, day_of_week: 7, day_hours: 25 },
      { hour_local: 0, day_of_week: 1, day_hours: 24 },
    ]);
  });

  it('America/New_York 2026-03-08 has 23 hours and 2026-11-01 has 25', () => {
    const spring = [5, 6, 7, 8, 28].map((h) => Date.UTC(2026, 2, 8, h));
    expect(calendar(spring, { tz: 'America/New_York' }, ['hour_local', 'day_of_week', 'day_hours'])).toEqual([
      { hour_local: 0, day_of_week: 7, day_hours: 23 },
      { hour_local: 1, day_of_week: 7, day_hours: 23 },
      { hour_local: 3, day_of_week: 7, day_hours: 23 },
      { hour_local: 4, day_of_week: 7, day_hours: 23 },
      { hour_local: 0, day_of_week: 1, day_hours: 24 },
    ]);
    const autumn = [4, 5, 6, 7, 29].map((h) => Date.UTC(2026, 10, 1, h));
    expect(calendar(autumn, { tz: 'America/New_York' }, ['hour_local', 'day_of_week', 'day_hours'])).toEqual([
      { hour_local: 0, day_of_week: 7, day_hours: 25 },
      { hour_local: 1, day_of_week: 7, day_hours: 25 },
      { hour_local: 1, day_of_week: 7, day_hours: 25 },
      { hour_local: 2, day_of_week: 7, day_hours: 25 },
      { hour_local: 0, day_of_week: 1, day_hours: 24 },
    ]);
  });
});

describe('featureReference: holidays', () => {
  it('counts German public holidays, not the bank holiday on Christmas Eve afternoon', () => {
    const berlin = { tz: 'Europe/Berlin', country: 'DE' };
    // 23:30 UTC on 2026-12-24 is already Christmas Day in Berlin.
    const tss = [Date.UTC(2026, 11, 24, 15), Date.UTC(2026, 11, 24, 23, 30), Date.UTC(2026, 9, 3, 12), Date.UTC(2026, 9, 2, 12)];
    expect(calendar(tss, berlin, ['is_holiday']).map((row) => row.is_holiday)).toEqual([0, 1, 1, 0]);
  });

  it('asks about a state when the region tag names one', () => {
    const epiphany = Date.UTC(2026, 0, 6, 12); // public in Bavaria, not in all of Germany
    expect(calendar([epiphany], { tz: 'Europe/Berlin', country: 'DE', region: 'BY' }, ['is_holiday'])).toEqual([{ is_holiday: 1 }]);
    expect(calendar([epiphany], { tz: 'Europe/Berlin', country: 'DE' }, ['is_holiday'])).toEqual([{ is_holiday: 0 }]);
  });

  it('counts 2026-07-04 (a Saturday) and its observed day Friday 2026-07-03, which date-holidays lists as a public substitute day', () => {
    const tss = [3, 4, 5].map((day) => Date.UTC(2026, 6, day, 16));
    expect(calendar(tss, { tz: 'America/New_York', country: 'US' }, ['is_holiday', 'day_of_week'])).toEqual([
      { is_holiday: 1, day_of_week: 5 },
      { is_holiday: 1, day_of_week: 6 },
      { is_holiday: 0, day_of_week: 7 },
    ]);
  });

  it('takes the local date in the entity zone: a late evening on Thanksgiving in Los Angeles is already the next day in UTC', () => {
    const la = { tz: 'America/Los_Angeles', country: 'US' };
    const tss = [
      Date.UTC(2026, 10, 26, 7, 30), // Wed 2026-11-25 23:30 PST
      Date.UTC(2026, 10, 27, 6, 30), // Thu 2026-11-26 22:30 PST
      Date.UTC(2026, 10, 27, 8, 30), // Fri 2026-11-27 00:30 PST: the day after is an observance federally
    ];
    expect(calendar(tss, la, ['is_holiday', 'day_of_week'])).toEqual([
      { is_holiday: 0, day_of_week: 3 },
      { is_holiday: 1, day_of_week: 4 },
      { is_holiday: 0, day_of_week: 5 },
    ]);
    // In California the day after Thanksgiving is a public holiday.
    expect(calendar([Date.UTC(2026, 10, 27, 20)], { ...la, region: 'CA' }, ['is_holiday'])).toEqual([{ is_holiday: 1 }]);
  });
});

describe('featureReference: target statistics', () => {
  const meter = (step: number, values: Record<string, number>) => record('meter', T0 + step * METER_STEP, values);

  it('takes lags by ts: NaN for a missing step or a record without the target', () => {
    const vectors = featureReference(
      [meter(0, { load: 10 }), meter(1, { load: 11 }), meter(3, { load: 13 }), meter(4, { pv: 1 }), meter(5, { load: 15 }), meter(24, { load: 24 }), meter(168, { load: 168 })],
      config,
    );
    expect(pick(vectors, ['value', 'lag_1', 'lag_24', 'lag_168'])).toEqual([
      { value: 10, lag_1: nan, lag_24: nan, lag_168: nan },
      { value: 11, lag_1: 10, lag_24: nan, lag_168: nan },
      { value: 13, lag_1: nan, lag_24: nan, lag_168: nan }, // step 2 is missing
      { value: nan, lag_1: 13, lag_24: nan, lag_168: nan }, // step 4 has no load
      { value: 15, lag_1: nan, lag_24: nan, lag_168: nan },
      { value: 24, lag_1: nan, lag_24: 10, lag_168: nan },
      { value: 168, lag_1: nan, lag_24: nan, lag_168: 10 },
    ]);
  });

  it('computes mean, sample std, min and max over the present values of the last N steps', () => {
    const vectors = featureReference(
      [meter(0, { load: 2 }), meter(1, { load: 4 }), meter(2, { load: 9 }), meter(3, { pv: 1 }), meter(4, { load: 5 }), meter(24, { load: 7 })],
      config,
    );
    const stats = ['mean_24', 'std_24', 'min_24', 'max_24', 'mean_168', 'std_168', 'min_168', 'max_168'];
    expect(pick(vectors, stats)).toEqual([
      { mean_24: 2, std_24: nan, min_24: 2, max_24: 2, mean_168: 2, std_168: nan, min_168: 2, max_168: 2 },
      { mean_24: 3, std_24: Math.SQRT2, min_24: 2, max_24: 4, mean_168: 3, std_168: Math.SQRT2, min_168: 2, max_168: 4 },
      // 15 / 3 = 5; deviations -3, -1, 4: 26 / 2 = 13
      { mean_24: 5, std_24: Math.sqrt(13), min_24: 2, max_24: 9, mean_168: 5, std_168: Math.sqrt(13), min_168: 2, max_168: 9 },
      // no load at step 3: the same three values
      { mean_24: 5, std_24: Math.sqrt(13), min_24: 2, max_24: 9, mean_168: 5, std_168: Math.sqrt(13), min_168: 2, max_168: 9 },
      // 20 / 4 = 5; deviations -3, -1, 4, 0: 26 / 3
      { mean_24: 5, std_24: Math.sqrt(26 / 3), min_24: 2, max_24: 9, mean_168: 5, std_168: Math.sqrt(26 / 3), min_168: 2, max_168: 9 },
      // the 24-step window is steps 1…24: 4, 9, 5, 7 (25 / 4); the 168-step one also holds step 0: 27 / 5
      {
        mean_24: 6.25,
        std_24: Math.sqrt((square(4 - 6.25) + square(9 - 6.25) + square(5 - 6.25) + square(7 - 6.25)) / 3),
        min_24: 4,
        max_24: 9,
        mean_168: 5.4,
        std_168: Math.sqrt((square(2 - 5.4) + square(4 - 5.4) + square(9 - 5.4) + square(5 - 5.4) + square(7 - 5.4)) / 4),
        min_168: 2,
        max_168: 9,
      },
    ]);
  });

  it('gives a window of equal values a std of exactly 0', () => {
    const vectors = featureReference([meter(0, { load: 0.1 }), meter(1, { load: 0.1 }), meter(2, { load: 0.1 })], config);
    expect(column(vectors, 'std_24')).toEqual([nan, 0, 0]);
  });

  it('starts the EWMA at the first value and keeps it through a record without the target', () => {
    const vectors = featureReference(
      [meter(0, { pv: 1 }), meter(1, { load: 10 }), meter(2, { load: 20 }), meter(3, { pv: 1 }), meter(5, { load: 5 })],
      { ...config, ewmaAlpha: 0.25 },
    );
    // 0.25·20 + 0.75·10 = 12.5; 0.25·5 + 0.75·12.5 = 10.625 (a missing step changes nothing)
    expect(column(vectors, 'ewma')).toEqual([nan, 10, 12.5, 12.5, 10.625]);
  });

  it('uses temperature as the weather target and passes the other variables through', () => {
    const weather = (hour: number, values: Record<string, number>) => record('weather', T0 + hour * HOUR, values, { tz: 'UTC' });
    const vectors = featureReference(
      [weather(0, { temperature: 4, wind_speed: 3, irradiance: 0, humidity: 80 }), weather(1, { temperature: 6, humidity: 70 })],
      config,
    );
    expect(vectors[1]!.names).toEqual([...CALENDAR, ...TARGET, 'wind_speed', 'irradiance', 'humidity']);
    expect(pick(vectors, ['value', 'lag_1', 'mean_24', 'wind_speed', 'irradiance', 'humidity'])).toEqual([
      { value: 4, lag_1: nan, mean_24: 4, wind_speed: 3, irradiance: 0, humidity: 80 },
      { value: 6, lag_1: 4, mean_24: 5, wind_speed: nan, irradiance: nan, humidity: 70 },
    ]);
  });
});

describe('featureReference: eia', () => {
  const SHARES = ['share_col', 'share_nuc', 'share_ng', 'share_oil', 'share_oth', 'share_sun', 'share_wat', 'share_wnd'];
  const eia = (hour: number, values: Record<string, number>) => record('eia', T0 + hour * HOUR, values, { region: 'PJM', tz: 'UTC' });

  it('divides each fuel by the sum of every gen_* variable, NaN for a missing fuel', () => {
    const [vector] = featureReference(
      [eia(0, { demand: 100, forecast: 90, interchange: -5, gen_col: 10, gen_ng: 30, gen_sun: 20, gen_wnd: 35, gen_bat: 5 })],
      config,
    );
    expect(vector!.names).toEqual([...CALENDAR, ...TARGET, ...SHARES, 'net_interchange', 'demand_minus_forecast', ...WEATHER_JOIN]);
    expect(pick([vector!], [...SHARES, 'net_interchange', 'demand_minus_forecast', 'value', 'is_holiday'])).toEqual([
      {
        share_col: 0.1,
        share_nuc: nan,
        share_ng: 0.3,
        share_oil: nan,
        share_oth: nan,
        share_sun: 0.2,
        share_wat: nan,
        share_wnd: 0.35,
        net_interchange: -5,
        demand_minus_forecast: 10,
        value: 100,
        is_holiday: nan, // a region but no country
      },
    ]);
  });

  it('gives NaN shares when the sum is 0 or below, and NaN differences without a forecast', () => {
    const vectors = featureReference([eia(0, { demand: 100, gen_col: 0, gen_ng: 0 }), eia(1, { gen_wat: -10, gen_ng: 5 })], config);
    expect(pick(vectors, [...SHARES, 'net_interchange', 'demand_minus_forecast'])).toEqual([
      Object.fromEntries([...SHARES, 'net_interchange', 'demand_minus_forecast'].map((name) => [name, nan])),
      Object.fromEntries([...SHARES, 'net_interchange', 'demand_minus_forecast'].map((name) => [name, nan])),
    ]);
  });

  it('adds the gen_* values in name order, not record order', () => {
    // 0.3 + 0.2 + 0.1 = 0.6, but 0.1 + 0.2 + 0.3 = 0.6000000000000001
    const [vector] = featureReference([eia(0, { gen_wnd: 0.1, gen_sun: 0.2, gen_col: 0.3 })], config);
    expect(pick([vector!], ['share_col'])).toEqual([{ share_col: 0.3 / 0.6 }]);
  });
});

describe('featureReference: tep', () => {
  const tep = (step: number, values: Record<string, number>, overrides: Partial<CleanMeasurement> = {}) =>
    record('tep', T0 + step * TEP_STEP, values, {}, overrides);

  it('has calendar features and z-scores only', () => {
    const [vector] = featureReference([tep(0, { xmeas_1: 1 })], config);
    expect(vector!.featureSet).toEqual({ name: 'tep', version: 2 });
    expect(vector!.names).toHaveLength(6 + 41 + 11);
    expect(vector!.names.slice(0, 8)).toEqual([...CALENDAR, 'z_xmeas_1', 'z_xmeas_2']);
    expect(vector!.names.slice(-2)).toEqual(['z_xmv_10', 'z_xmv_11']);
  });

  it('scores against the values seen before, up to the first tepReferenceSteps (3) that have the variable', () => {
    const vectors = featureReference(
      [
        tep(0, { xmeas_1: 1, xmv_1: 0.1 }),
        tep(1, { xmeas_1: 3, xmeas_2: 2, xmv_1: 0.1 }),
        tep(2, { xmeas_1: 8, xmeas_2: 4, xmv_1: 0.1 }),
        tep(3, { xmeas_1: 4, xmeas_2: 6, xmv_1: 0.1 }),
        tep(4, { xmeas_1: 100, xmeas_2: 10, xmv_1: 0.2 }, { imputed: ['xmeas_1'] }),
        tep(5, { xmeas_2: 3 }),
        tep(7, { xmeas_1: 5 }),
      ],
      config,
    );
    expect(pick(vectors, ['z_xmeas_1', 'z_xmeas_2', 'z_xmv_1', 'z_xmeas_3'])).toEqual([
      { z_xmeas_1: nan, z_xmeas_2: nan, z_xmv_1: nan, z_xmeas_3: nan }, // nothing seen
      { z_xmeas_1: nan, z_xmeas_2: nan, z_xmv_1: nan, z_xmeas_3: nan }, // one value seen
      // xmeas_1 reference 1, 3: mean 2, std √2; xmv_1 0.1, 0.1: std 0
      { z_xmeas_1: 6 / Math.SQRT2, z_xmeas_2: nan, z_xmv_1: nan, z_xmeas_3: nan },
      // xmeas_1 reference 1, 3, 8: mean 4, std √13; xmeas_2 reference 2, 4: mean 3, std √2
      { z_xmeas_1: 0, z_xmeas_2: 3 / Math.SQRT2, z_xmv_1: nan, z_xmeas_3: nan },
      // references full: xmeas_1 1, 3, 8; xmeas_2 2, 4, 6 (mean 4, std 2); xmv_1 0.1 three times, std exactly 0
      { z_xmeas_1: 96 / Math.sqrt(13), z_xmeas_2: 3, z_xmv_1: nan, z_xmeas_3: nan },
      { z_xmeas_1: nan, z_xmeas_2: -0.5, z_xmv_1: nan, z_xmeas_3: nan },
      { z_xmeas_1: 1 / Math.sqrt(13), z_xmeas_2: nan, z_xmv_1: nan, z_xmeas_3: nan },
    ]);
    expect(vectors.map((v) => v.imputed)).toEqual([false, false, false, false, true, false, false]);
  });
});

describe('featureReference: weather as of', () => {
  const weather = (ts: number, temperature: number) =>
    record('weather', ts, { temperature, wind_speed: 3, irradiance: 100, humidity: 60 }, { station: 'KPDX' }, { entity: 'weather:KPDX' });
  const load = (ts: number, tags: Record<string, string> = { station: 'KPDX' }) => record('meter', ts, { load: 1 }, tags);

  it('joins the newest observation at or before ts, with its age, up to the maximum staleness', () => {
    const vectors = featureReference(
      [weather(T0, 10), weather(T0 + HOUR, 11), weather(T0 + 2 * HOUR, 12), load(T0 - METER_STEP), load(T0), load(T0 + METER_STEP), load(T0 + 5 * HOUR + 3 * METER_STEP)],
      config,
    ).filter((v) => v.entity.startsWith('meter:'));
    expect(pick(vectors, WEATHER_JOIN)).toEqual([
      // Before the first observation: nothing to join.
      { weather_temperature: nan, weather_wind_speed: nan, weather_irradiance: nan, weather_humidity: nan, weather_age_hours: nan },
      { weather_temperature: 10, weather_wind_speed: 3, weather_irradiance: 100, weather_humidity: 60, weather_age_hours: 0 },
      { weather_temperature: 10, weather_wind_speed: 3, weather_irradiance: 100, weather_humidity: 60, weather_age_hours: 0.25 },
      // 3.75 h after the last observation: older than the 3 h allowed.
      { weather_temperature: nan, weather_wind_speed: nan, weather_irradiance: nan, weather_humidity: nan, weather_age_hours: nan },
    ]);
  });

  it('leaves records without a station tag, or of an unknown station, unjoined', () => {
    const vectors = featureReference([weather(T0, 10), load(T0, {}), load(T0 + METER_STEP, { station: 'KSFO' })], config).filter((v) => v.entity.startsWith('meter:'));
    expect(column(vectors, 'weather_temperature')).toEqual([nan, nan]);
  });
});
