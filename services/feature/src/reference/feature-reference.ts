import Holidays from 'date-holidays';
import type { CleanMeasurement, FeatureVector } from '@gridstream/schemas';
import { contracts } from '@gridstream/sources';
import type { FeatureConfig } from '../config.js';

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
const FEATURE_SET_VERSION = 2;

const CALENDAR_NAMES = ['hour_local', 'day_of_week', 'month', 'is_weekend', 'is_holiday', 'day_hours'];
const LAG_STEPS = [1, 24, 168];
const WINDOW_STEPS = [24, 168];
const TARGET_NAMES = [
  'value',
  ...LAG_STEPS.map((k) => `lag_${k}`),
  ...WINDOW_STEPS.flatMap((n) => [`mean_${n}`, `std_${n}`, `min_${n}`, `max_${n}`]),
  'ewma',
];
/** The variable the target statistics describe; tep has none. */
const TARGETS: Record<string, string> = { meter: 'load', eia: 'demand', weather: 'temperature' };
const EIA_FUELS = ['col', 'nuc', 'ng', 'oil', 'oth', 'sun', 'wat', 'wnd'];
const WEATHER_VARIABLES = ['wind_speed', 'irradiance', 'humidity'];
/** Sources whose records get their station's weather joined as of their ts. */
const LOAD_SOURCES = ['meter', 'eia'];
const JOINED_WEATHER = ['temperature', 'wind_speed', 'irradiance', 'humidity'];
const WEATHER_JOIN_NAMES = [...JOINED_WEATHER.map((name) => `weather_${name}`), 'weather_age_hours'];
const TEP_VARIABLES = [
  ...Array.from({ length: 41 }, (_, i) => `xmeas_${i + 1}`),
  ...Array.from({ length: 11 }, (_, i) => `xmv_${i + 1}`),
];

/**
 * The batch reference of the feature stage: docs/feature.md computed over whole series, to check the streaming service against.
 * `records` is every clean record of every partition, partitions concatenated in offset order (an entity lives in one partition).
 * Per entity, a record whose ts is not after the entity's previous kept one is dropped; every kept record gives one vector.
 * Vectors are sorted by entity (code-unit order), then ts.
 */
export function featureReference(records: CleanMeasurement[], config: FeatureConfig): FeatureVector[] {
  const vectors: FeatureVector[] = [];
  const kept = [...groupByEntity(records).values()].map(keptInOrder);
  const weatherByEntity = new Map(kept.filter((series) => series[0]!.source === 'weather').map((series) => [series[0]!.entity, series]));
  for (const series of kept) vectors.push(...seriesFeatures(series, config, weatherByEntity));
  return vectors.sort((a, b) => compareStrings(a.entity, b.entity) || a.ts - b.ts);
}

function groupByEntity(records: CleanMeasurement[]): Map<string, CleanMeasurement[]> {
  const byEntity = new Map<string, CleanMeasurement[]>();
  for (const m of records) {
    const series = byEntity.get(m.entity);
    if (series) series.push(m);
    else byEntity.set(m.entity, [m]);
  }
  return byEntity;
}

/** The records in arrival order whose ts is after every earlier kept one: a strictly increasing series. */
function keptInOrder(received: CleanMeasurement[]): CleanMeasurement[] {
  const kept: CleanMeasurement[] = [];
  for (const m of received) if (kept.length === 0 || m.ts > kept[kept.length - 1]!.ts) kept.push(m);
  return kept;
}

/** Every feature of one entity's kept series, computed column block by column block, then joined per record. */
function seriesFeatures(series: CleanMeasurement[], config: FeatureConfig, weatherByEntity: Map<string, CleanMeasurement[]>): FeatureVector[] {
  const source = series[0]!.source;
  const contract = contracts[source];
  if (!contract) throw new Error(`feature reference: no contract for source "${source}" (entity ${series[0]!.entity})`);
  const target = TARGETS[source];
  const blocks: Array<{ names: string[]; rows: number[][] }> = [
    { names: CALENDAR_NAMES, rows: series.map(calendarFeatures) },
  ];
  if (target !== undefined) {
    blocks.push({ names: TARGET_NAMES, rows: targetStatistics(series, target, contract.cadenceMs, config.ewmaAlpha) });
  }
  blocks.push(sourceFeatures(source, series, config));
  if (LOAD_SOURCES.includes(source)) blocks.push({ names: WEATHER_JOIN_NAMES, rows: weatherAsOf(series, weatherByEntity, config.weatherMaxStalenessMs) });
  const names = blocks.flatMap((block) => block.names);
  return series.map((m, i) => ({
    entity: m.entity,
    ts: m.ts,
    featureSet: { name: source, version: FEATURE_SET_VERSION },
    names,
    values: blocks.flatMap((block) => block.rows[i]!),
    imputed: m.imputed.length > 0,
    ingestedAt: m.ingestedAt,
  }));
}

// ---------------------------------------------------------------- calendar

/** Tags that are missing or empty count as absent. */
function tag(m: CleanMeasurement, name: string): string | undefined {
  const value = m.tags[name];
  return value === undefined || value === '' ? undefined : value;
}

function calendarFeatures(m: CleanMeasurement): number[] {
  const tz = tag(m, 'tz') ?? 'UTC';
  const local = localFields(m.ts, tz);
  // The weekday of a calendar date does not depend on the zone, so it comes from the date itself.
  const weekday = new Date(Date.UTC(local.year, local.month - 1, local.day)).getUTCDay(); // 0 = Sunday
  const dayOfWeek = weekday === 0 ? 7 : weekday;
  const dayStartMs = startOfLocalDay(local.year, local.month, local.day, tz);
  const next = new Date(Date.UTC(local.year, local.month - 1, local.day + 1));
  const nextDayStartMs = startOfLocalDay(next.getUTCFullYear(), next.getUTCMonth() + 1, next.getUTCDate(), tz);
  const country = tag(m, 'country');
  const isHoliday =
    country === undefined
      ? Number.NaN
      : isPublicHoliday(country, tag(m, 'region'), tz, local.year, dayStartMs, nextDayStartMs)
        ? 1
        : 0;
  return [local.hour, dayOfWeek, local.month, dayOfWeek >= 6 ? 1 : 0, isHoliday, (nextDayStartMs - dayStartMs) / HOUR_MS];
}

interface LocalFields {
  year: number;
  month: number;
  day: number;
  hour: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function localFields(ts: number, tz: string): LocalFields {
  let formatter = formatters.get(tz);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
    });
    formatters.set(tz, formatter);
  }
  const fields: LocalFields = { year: 0, month: 0, day: 0, hour: 0 };
  for (const part of formatter.formatToParts(ts)) {
    if (part.type === 'year' || part.type === 'month' || part.type === 'day' || part.type === 'hour') fields[part.type] = Number(part.value);
  }
  return fields;
}

const dayStarts = new Map<string, number>();

/**
 * The first UTC instant whose local date in `tz` is the given date or later: local midnight, or the first instant after it when a
 * DST change skips midnight. Found by bisection to the millisecond, as the local date only moves forward with time.
 */
function startOfLocalDay(year: number, month: number, day: number, tz: string): number {
  const dateKey = year * 10_000 + month * 100 + day;
  const cacheKey = `${tz}|${dateKey}`;
  const cached = dayStarts.get(cacheKey);
  if (cached !== undefined) return cached;
  const localDateKey = (ts: number): number => {
    const local = localFields(ts, tz);
    return local.year * 10_000 + local.month * 100 + local.day;
  };
  // UTC offsets lie within -12 h … +14 h, so local midnight is within a day of UTC midnight of the same date.
  let before = Date.UTC(year, month - 1, day) - DAY_MS; // local date is earlier
  let atOrAfter = Date.UTC(year, month - 1, day) + DAY_MS; // local date is this one or later
  while (atOrAfter - before > 1) {
    const middle = Math.floor((before + atOrAfter) / 2);
    if (localDateKey(middle) >= dateKey) atOrAfter = middle;
    else before = middle;
  }
  dayStarts.set(cacheKey, atOrAfter);
  return atOrAfter;
}

interface TimeSpan {
  startMs: number;
  endMs: number;
}

const holidayCalendars = new Map<string, Holidays>();
const publicHolidaySpans = new Map<string, TimeSpan[]>();
const holidayAnswers = new Map<string, boolean>();

/**
 * Whether a public holiday of `country` (and `region` as its state) overlaps the local day [dayStartMs, nextDayStartMs) in `tz`.
 * date-holidays computes each holiday's start and end in the calendar's time zone, so the calendar is made in the entity's zone
 * (not the country's default one). Overlap, rather than one instant of the day, also counts public holidays that start in the
 * afternoon and every day of a multi-day one. Holidays of the previous local year are included for multi-day ones that reach over
 * New Year.
 */
function isPublicHoliday(
  country: string,
  region: string | undefined,
  tz: string,
  localYear: number,
  dayStartMs: number,
  nextDayStartMs: number,
): boolean {
  const calendarKey = `${country}|${region ?? ''}|${tz}`;
  const answerKey = `${calendarKey}|${dayStartMs}`;
  const answer = holidayAnswers.get(answerKey);
  if (answer !== undefined) return answer;
  let calendar = holidayCalendars.get(calendarKey);
  if (!calendar) {
    calendar = region === undefined ? new Holidays(country, { timezone: tz }) : new Holidays(country, region, { timezone: tz });
    holidayCalendars.set(calendarKey, calendar);
  }
  const spansOf = (year: number): TimeSpan[] => {
    const yearKey = `${calendarKey}|${year}`;
    let spans = publicHolidaySpans.get(yearKey);
    if (!spans) {
      spans = calendar.getHolidays(year).filter((h) => h.type === 'public').map((h) => ({ startMs: h.start.getTime(), endMs: h.end.getTime() }));
      publicHolidaySpans.set(yearKey, spans);
    }
    return spans;
  };
  const isHoliday = [...spansOf(localYear - 1), ...spansOf(localYear)].some(
    (span) => span.startMs < nextDayStartMs && span.endMs > dayStartMs,
  );
  holidayAnswers.set(answerKey, isHoliday);
  return isHoliday;
}

// ---------------------------------------------------------------- target statistics

/**
 * Items 7-10 for every record of the series. `x(t)` is looked up by exact ts among the kept records; a variable is present when the
 * record has the key. Window values are taken oldest first, so sums run in ts order.
 */
function targetStatistics(series: CleanMeasurement[], target: string, cadenceMs: number, alpha: number): number[][] {
  const x = series.map((m) => m.values[target]);
  const indexByTs = new Map(series.map((m, i) => [m.ts, i]));
  const at = (ts: number): number | undefined => {
    const i = indexByTs.get(ts);
    return i === undefined ? undefined : x[i];
  };
  const ewma = ewmaSeries(x, alpha);
  return series.map((m, i) => {
    const lags = LAG_STEPS.map((k) => at(m.ts - k * cadenceMs) ?? Number.NaN);
    const windows = WINDOW_STEPS.flatMap((n) => {
      const present = Array.from({ length: n }, (_, j) => at(m.ts - (n - 1 - j) * cadenceMs)).filter((v) => v !== undefined);
      return windowStatistics(present);
    });
    return [x[i] ?? Number.NaN, ...lags, ...windows, ewma[i]!];
  });
}

/** [mean, std, min, max] of the values present in a window, in ts order; all NaN for an empty window. */
function windowStatistics(values: number[]): number[] {
  if (values.length === 0) return [Number.NaN, Number.NaN, Number.NaN, Number.NaN];
  return [meanOf(values), sampleStd(values), Math.min(...values), Math.max(...values)];
}

/** sum / n, the sum added from 0 in the order given (ts order). */
function meanOf(values: number[]): number {
  let sum = 0;
  for (const v of values) sum += v;
  return sum / values.length;
}

/**
 * Sample standard deviation by the two-pass formula, in the order given (ts order):
 * mean = (0 + x1 + … + xn) / n, then sqrt((0 + d1·d1 + … + dn·dn) / (n − 1)) with di = xi − mean. NaN below 2 values.
 * Exactly 0 when all values are equal: the rounded mean of equal values can differ from them in the last bit (0.1 three times
 * has mean 0.10000000000000002), which would give a tiny std and, for TEP, a z-score instead of NaN.
 */
function sampleStd(values: number[]): number {
  const n = values.length;
  if (n < 2) return Number.NaN;
  if (values.every((v) => v === values[0])) return 0;
  const mean = meanOf(values);
  let squares = 0;
  for (const v of values) {
    const d = v - mean;
    squares += d * d;
  }
  return Math.sqrt(squares / (n - 1));
}

/** Item 10 over the series in ts order: the first present value starts it, a record without one keeps it, NaN before the first. */
function ewmaSeries(x: Array<number | undefined>, alpha: number): number[] {
  const ewma: number[] = [];
  let e = Number.NaN;
  let started = false;
  for (const v of x) {
    if (v !== undefined) {
      e = started ? alpha * v + (1 - alpha) * e : v;
      started = true;
    }
    ewma.push(e);
  }
  return ewma;
}

// ---------------------------------------------------------------- weather as of

/**
 * For each record with a `station` tag: the newest kept record of `weather:<station>` whose ts is at or before the record's and at
 * most `maxStalenessMs` older — its temperature, wind speed, irradiance and humidity (NaN when absent) and its age in hours.
 * All NaN without a station tag or such a weather record. Both series are in ts order, so one cursor walks the weather per station.
 */
function weatherAsOf(series: CleanMeasurement[], weatherByEntity: Map<string, CleanMeasurement[]>, maxStalenessMs: number): number[][] {
  const cursors = new Map<string, number>();
  return series.map((m) => {
    const station = tag(m, 'station');
    const weather = station === undefined ? undefined : weatherByEntity.get(`weather:${station}`);
    if (station === undefined || weather === undefined) return WEATHER_JOIN_NAMES.map(() => Number.NaN);
    let next = cursors.get(station) ?? 0; // the first weather record after m.ts
    while (next < weather.length && weather[next]!.ts <= m.ts) next++;
    cursors.set(station, next);
    const observation = weather[next - 1];
    if (observation === undefined || m.ts - observation.ts > maxStalenessMs) return WEATHER_JOIN_NAMES.map(() => Number.NaN);
    return [...JOINED_WEATHER.map((name) => observation.values[name] ?? Number.NaN), (m.ts - observation.ts) / HOUR_MS];
  });
}

// ---------------------------------------------------------------- per source

function sourceFeatures(source: string, series: CleanMeasurement[], config: FeatureConfig): { names: string[]; rows: number[][] } {
  const valueOf = (m: CleanMeasurement, name: string): number => m.values[name] ?? Number.NaN;
  switch (source) {
    case 'meter':
      return { names: ['pv'], rows: series.map((m) => [valueOf(m, 'pv')]) };
    case 'eia':
      return {
        names: [...EIA_FUELS.map((fuel) => `share_${fuel}`), 'net_interchange', 'demand_minus_forecast'],
        rows: series.map((m) => [...fuelShares(m), valueOf(m, 'interchange'), valueOf(m, 'demand') - valueOf(m, 'forecast')]),
      };
    case 'weather':
      return { names: WEATHER_VARIABLES, rows: series.map((m) => WEATHER_VARIABLES.map((name) => valueOf(m, name))) };
    case 'tep':
      return { names: TEP_VARIABLES.map((name) => `z_${name}`), rows: tepZScores(series, config.tepReferenceSteps) };
    default:
      throw new Error(`feature reference: no feature set for source "${source}"`);
  }
}

/** gen_<fuel> / (sum of every gen_* in the record); the sum is added in code-unit order of the variable names, from 0. */
function fuelShares(m: CleanMeasurement): number[] {
  const genNames = Object.keys(m.values)
    .filter((name) => name.startsWith('gen_') && name.length > 'gen_'.length)
    .sort(compareStrings);
  let total = 0;
  for (const name of genNames) total += m.values[name]!;
  return EIA_FUELS.map((fuel) => {
    const gen = m.values[`gen_${fuel}`];
    return gen !== undefined && total > 0 ? gen / total : Number.NaN;
  });
}

/**
 * For each TEP variable, the k-th record that has it (k from 0) is scored against the first min(k, referenceSteps) records that
 * have it: the reference grows until it is full, and a record's own value is never in its reference.
 */
function tepZScores(series: CleanMeasurement[], referenceSteps: number): number[][] {
  const columns = TEP_VARIABLES.map((name) => {
    const x = series.map((m) => m.values[name]);
    const reference = x.filter((v) => v !== undefined).slice(0, referenceSteps);
    // Statistics of the first p reference values, for p = 0 … referenceSteps.
    const prefixStats = Array.from({ length: reference.length + 1 }, (_, p) => {
      const values = reference.slice(0, p);
      return { mean: values.length === 0 ? Number.NaN : meanOf(values), std: sampleStd(values) };
    });
    let seen = 0;
    return x.map((v) => {
      if (v === undefined) return Number.NaN;
      const { mean, std } = prefixStats[Math.min(seen, referenceSteps)]!;
      seen += 1;
      return std > 0 ? (v - mean) / std : Number.NaN; // NaN std (below 2 values) fails the test too
    });
  });
  return series.map((_, i) => columns.map((column) => column[i]!));
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
