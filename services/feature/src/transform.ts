import { emit, type Transform } from '@gridstream/runtime';
import type { CleanMeasurement, FeatureVector } from '@gridstream/schemas';
import { contracts } from '@gridstream/sources';
import { dayHours, isPublicHoliday, localTime } from './calendar.js';
import type { FeatureConfig } from './config.js';
import type { FeatureState } from './feature-state.js';

/** The variable each source's lags and rolling statistics follow; TEP has z-scores instead. */
const targets: Record<string, string> = { meter: 'load', eia: 'demand', weather: 'temperature' };
const fuels = ['col', 'nuc', 'ng', 'oil', 'oth', 'sun', 'wat', 'wnd'];
const tepVariables = [...Array.from({ length: 41 }, (_, i) => `xmeas_${i + 1}`), ...Array.from({ length: 11 }, (_, i) => `xmv_${i + 1}`)];
const lags = [1, 24, 168];
const windows = [24, 168];
const longestLag = 168;

/** The feature names of each source, in vector order (docs/feature.md). */
export function featureNames(source: string): string[] {
  const calendar = ['hour_local', 'day_of_week', 'month', 'is_weekend', 'is_holiday', 'day_hours'];
  const target = targets[source]
    ? ['value', ...lags.map((k) => `lag_${k}`), ...windows.flatMap((n) => [`mean_${n}`, `std_${n}`, `min_${n}`, `max_${n}`]), 'ewma']
    : [];
  const own: Record<string, string[]> = {
    meter: ['pv'],
    eia: [...fuels.map((f) => `share_${f}`), 'net_interchange', 'demand_minus_forecast'],
    weather: ['wind_speed', 'irradiance', 'humidity'],
    tep: tepVariables.map((v) => `z_${v}`),
  };
  return [...calendar, ...target, ...(own[source] ?? [])];
}

/** One feature vector per clean record, from the entity's earlier records kept in its state. */
export const features: Transform<CleanMeasurement, FeatureState, FeatureConfig, FeatureVector> = (record, state, ctx) => {
  if (state.lastTs !== null && record.ts <= state.lastTs) return []; // a repeat: replay must not change results
  state.lastTs = record.ts;
  const values = [...calendarFeatures(record)];
  const target = targets[record.source];
  if (target) values.push(...targetFeatures(record, target, state, ctx.config.ewmaAlpha));
  values.push(...sourceFeatures(record, state, ctx.config));
  return [
    emit(record.entity, {
      entity: record.entity,
      ts: record.ts,
      featureSet: { name: record.source, version: 1 },
      names: featureNames(record.source),
      values,
      imputed: record.imputed.length > 0,
    }),
  ];
};

function calendarFeatures(record: CleanMeasurement): number[] {
  const timeZone = record.tags.tz ?? 'UTC';
  const local = localTime(record.ts, timeZone);
  const country = record.tags.country;
  const holiday = country === undefined ? Number.NaN : isPublicHoliday(local, country, record.tags.region) ? 1 : 0;
  return [local.hour, local.dayOfWeek, local.month, local.dayOfWeek >= 6 ? 1 : 0, holiday, dayHours(local, timeZone)];
}

function targetFeatures(record: CleanMeasurement, target: string, state: FeatureState, alpha: number): number[] {
  const cadenceMs = contracts[record.source]!.cadenceMs;
  const x = record.values[target];
  // lag_168 reaches furthest back; the 168-step window starts one step later.
  state.recent = state.recent.filter(([ts]) => ts >= record.ts - longestLag * cadenceMs);
  if (x !== undefined) state.recent.push([record.ts, x]);
  const at = (ts: number) => state.recent.find(([t]) => t === ts)?.[1] ?? Number.NaN;
  const out = [x ?? Number.NaN, ...lags.map((k) => at(record.ts - k * cadenceMs))];
  for (const n of windows) {
    const from = record.ts - (n - 1) * cadenceMs;
    out.push(...summary(state.recent.filter(([ts]) => ts >= from && ts <= record.ts).map(([, v]) => v)));
  }
  if (x !== undefined) state.ewma = state.ewma === null ? x : alpha * x + (1 - alpha) * state.ewma;
  out.push(state.ewma ?? Number.NaN);
  return out;
}

/** mean, sample std (two passes, in ts order), min, max. */
function summary(values: number[]): number[] {
  if (values.length === 0) return [Number.NaN, Number.NaN, Number.NaN, Number.NaN];
  const mean = values.reduce((sum, v) => sum + v, 0) / values.length;
  return [mean, sampleStd(values, mean), Math.min(...values), Math.max(...values)];
}

/** Two passes over the values in ts order; exactly 0 for equal values, which a rounded mean would miss. */
function sampleStd(values: number[], mean: number): number {
  if (values.length < 2) return Number.NaN;
  if (values.every((v) => v === values[0])) return 0;
  return Math.sqrt(values.reduce((sum, v) => sum + (v - mean) * (v - mean), 0) / (values.length - 1));
}

function sourceFeatures(record: CleanMeasurement, state: FeatureState, config: FeatureConfig): number[] {
  const v = (name: string) => record.values[name] ?? Number.NaN;
  switch (record.source) {
    case 'meter':
      return [v('pv')];
    case 'eia': {
      // Added in name order: the order changes the rounding.
      const generation = Object.entries(record.values)
        .filter(([name]) => name.startsWith('gen_'))
        .sort(([a], [b]) => (a < b ? -1 : 1));
      const total = generation.reduce((sum, [, value]) => sum + value, 0);
      return [...fuels.map((f) => (total > 0 && record.values[`gen_${f}`] !== undefined ? record.values[`gen_${f}`]! / total : Number.NaN)), v('interchange'), v('demand') - v('forecast')];
    }
    case 'weather':
      return [v('wind_speed'), v('irradiance'), v('humidity')];
    case 'tep':
      return tepVariables.map((name) => zScore(record.values[name], (state.reference[name] ??= []), config.tepReferenceSteps));
    default:
      return [];
  }
}

/** The z-score against the reference values seen so far; the value then joins a reference still short of its length. */
function zScore(x: number | undefined, reference: number[], referenceSteps: number): number {
  if (x === undefined) return Number.NaN;
  let z = Number.NaN;
  if (reference.length >= 2) {
    const mean = reference.reduce((sum, r) => sum + r, 0) / reference.length;
    const std = sampleStd(reference, mean);
    if (std > 0) z = (x - mean) / std;
  }
  if (reference.length < referenceSteps) reference.push(x);
  return z;
}
