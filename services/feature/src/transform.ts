import { dropped, emit, emitTo, type Output, type SideInput, type StageContext, type Transform } from '@gridstream/runtime';
import type { CleanMeasurement, FeatureVector } from '@gridstream/schemas';
import { contracts } from '@gridstream/sources';
import { dayHours, isPublicHoliday, localTime } from './calendar.js';
import type { FeatureConfig } from './config.js';
import type { FeatureState } from './feature-state.js';
import { weatherJoinNames, type WeatherHistory } from './weather-join.js';

/** The variable each source's lags and rolling statistics follow; TEP has z-scores instead. */
const targets: Record<string, string> = { meter: 'load', eia: 'demand', weather: 'temperature' };
const fuels = ['col', 'nuc', 'ng', 'oil', 'oth', 'sun', 'wat', 'wnd'];
const tepVariables = [...Array.from({ length: 41 }, (_, i) => `xmeas_${i + 1}`), ...Array.from({ length: 11 }, (_, i) => `xmv_${i + 1}`)];
const lags = [1, 24, 168];
const windows = [24, 168];
const longestLag = 168;
/** Load sources: their vectors wait for the weather of their station (`tags.station`) and end with it. */
const joinsWeather = new Set(['meter', 'eia']);
const featureSetVersion = 2;

const namesBySource = new Map<string, string[]>();

/** The feature names of each source, in vector order (docs/feature.md). */
export function featureNames(source: string): string[] {
  let names = namesBySource.get(source);
  if (!names) {
    names = namesOf(source);
    namesBySource.set(source, names);
  }
  return names;
}

function namesOf(source: string): string[] {
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
  return [...calendar, ...target, ...(own[source] ?? []), ...(joinsWeather.has(source) ? weatherJoinNames : [])];
}

/**
 * The feature stage over a station weather history that its side input (`<p>.weather`) fills:
 * one vector per clean record, from the entity's earlier records kept in its state. Weather
 * records also go to `<p>.weather`; load vectors are held until their station's weather up to
 * their ts has been read (or the station has gone quiet), then joined as of their ts.
 */
export function featureStage(weather: WeatherHistory): {
  transform: Transform<CleanMeasurement, FeatureState, FeatureConfig, FeatureVector>;
  sideInput: SideInput<FeatureState, FeatureConfig, FeatureVector>;
} {
  const transform: Transform<CleanMeasurement, FeatureState, FeatureConfig, FeatureVector> = (record, state, ctx) => {
    if (state.lastTs !== null && record.ts <= state.lastTs) return [dropped('duplicate', record.source)]; // replay must not change results
    state.lastTs = record.ts;
    const values = [...calendarFeatures(record)];
    const target = targets[record.source];
    if (target) values.push(...targetFeatures(record, target, state, ctx.config.ewmaAlpha));
    values.push(...sourceFeatures(record, state, ctx.config));
    const imputed = record.imputed.length > 0;
    if (joinsWeather.has(record.source)) {
      state.held.push({ ts: record.ts, station: record.tags.station ?? '', values, imputed, ingestedAt: record.ingestedAt });
      return releaseHeld(record.entity, record.source, state, weather, null, ctx);
    }
    const vector = emit(record.entity, vectorOf(record.entity, record.source, record.ts, values, imputed, record.ingestedAt));
    return record.source === 'weather' ? [vector, emitTo('weather', record.entity, record)] : [vector];
  };
  return {
    transform,
    sideInput: {
      topic: 'weather',
      apply: (value, nowMs) => weather.add(value as CleanMeasurement, nowMs),
      holds: (state) => state.held.length > 0,
      release: (state, currentSinceMs, ctx) => releaseHeld(ctx.key ?? '', sourceOf(ctx.key ?? ''), state, weather, currentSinceMs, ctx),
    },
  };
}

function vectorOf(entity: string, source: string, ts: number, values: number[], imputed: boolean, ingestedAt: number | null): FeatureVector {
  return { entity, ts, featureSet: { name: source, version: featureSetVersion }, names: featureNames(source), values, imputed, ingestedAt };
}

/** An entity id starts with its source (meter:M-0001). */
function sourceOf(entity: string): string {
  return entity.slice(0, entity.indexOf(':'));
}

/**
 * The held vectors, oldest first, whose station's weather up to their ts has been read, joined as
 * of their ts. An instance current on all it reads (since `currentSinceMs`) stops waiting for a
 * station that has been quiet for `weatherIdleMs` meanwhile.
 */
function releaseHeld(
  entity: string,
  source: string,
  state: FeatureState,
  weather: WeatherHistory,
  currentSinceMs: number | null,
  ctx: StageContext<FeatureConfig>,
): Output<FeatureVector>[] {
  const { weatherIdleMs, weatherMaxStalenessMs } = ctx.config;
  const released: Output<FeatureVector>[] = [];
  while (state.held.length > 0) {
    const { ts, station, values, imputed, ingestedAt } = state.held[0]!;
    const quiet = currentSinceMs !== null && ctx.now() - Math.max(currentSinceMs, weather.quietSince(station)) >= weatherIdleMs;
    const ready = station === '' || weather.complete(station, ts) || quiet;
    if (!ready) break;
    state.held.shift();
    const joined = station === '' ? weatherJoinNames.map(() => Number.NaN) : weather.asOf(station, ts, weatherMaxStalenessMs);
    // The changelog's JSON turns NaN into null.
    released.push(emit(entity, vectorOf(entity, source, ts, [...values.map((v) => v ?? Number.NaN), ...joined], imputed, ingestedAt ?? null)));
  }
  return released;
}

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
  const { ts: times, values } = state.recent;
  // Records come in ts order, so the oldest are at the front; lag_168 reaches furthest back.
  const expired = firstAtOrAfter(times, record.ts - longestLag * cadenceMs);
  if (expired > 0) {
    times.splice(0, expired);
    values.splice(0, expired);
  }
  if (x !== undefined) {
    times.push(record.ts);
    values.push(x);
  }
  const out = [x ?? Number.NaN];
  for (const k of lags) {
    const at = firstAtOrAfter(times, record.ts - k * cadenceMs);
    out.push(times[at] === record.ts - k * cadenceMs ? values[at]! : Number.NaN);
  }
  for (const n of windows) pushSummary(out, values, firstAtOrAfter(times, record.ts - (n - 1) * cadenceMs));
  if (x !== undefined) state.ewma = state.ewma === null ? x : alpha * x + (1 - alpha) * state.ewma;
  out.push(state.ewma ?? Number.NaN);
  return out;
}

/** The index of the first of the ascending `times` not before `ts` (their length if none): a binary search. */
function firstAtOrAfter(times: number[], ts: number): number {
  let low = 0;
  let high = times.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (times[middle]! < ts) low = middle + 1;
    else high = middle;
  }
  return low;
}

/** Pushes mean, sample std (two passes, in ts order), min and max of the values from index `start` on. */
function pushSummary(out: number[], values: number[], start: number): void {
  const count = values.length - start;
  if (count === 0) {
    out.push(Number.NaN, Number.NaN, Number.NaN, Number.NaN);
    return;
  }
  let sum = 0;
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  let allEqual = true;
  for (let i = start; i < values.length; i++) {
    const value = values[i]!;
    sum += value;
    if (value < min) min = value;
    if (value > max) max = value;
    if (value !== values[start]) allEqual = false;
  }
  const mean = sum / count;
  let std = Number.NaN;
  if (count >= 2) {
    let squares = 0;
    for (let i = start; i < values.length; i++) squares += (values[i]! - mean) * (values[i]! - mean);
    std = allEqual ? 0 : Math.sqrt(squares / (count - 1));
  }
  out.push(mean, std, min, max);
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
