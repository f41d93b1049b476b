import type { CleanMeasurement } from '@gridstream/schemas';
import { contracts } from '@gridstream/sources';

/** The weather variables joined onto load, in vector order; `weather_age_hours` follows them. */
export const joinedWeatherVariables = ['temperature', 'wind_speed', 'irradiance', 'humidity'];
export const weatherJoinNames = [...joinedWeatherVariables.map((name) => `weather_${name}`), 'weather_age_hours'];
const weatherCadenceMs = contracts.weather!.cadenceMs;
const HOUR_MS = 3_600_000;

interface StationSeries {
  /** Event times, increasing, and the joined variables of each (NaN when absent). */
  ts: number[];
  values: number[][];
  /** Wall-clock time the station last moved on. */
  advancedAtMs: number;
}

/**
 * Every station's weather as feature has kept it (docs/feature.md), read from `<p>.weather`.
 * A station's records come in event-time order on its cadence, so once its newest ts is t,
 * nothing before t + cadence is still to come: every load record before that can be joined.
 */
export class WeatherHistory {
  private readonly stations = new Map<string, StationSeries>();

  /** `startedAtMs`: a station never heard from has been quiet since then. */
  constructor(private readonly startedAtMs: number) {}

  add(record: CleanMeasurement, nowMs: number): void {
    const station = record.entity.slice('weather:'.length);
    let series = this.stations.get(station);
    if (!series) {
      series = { ts: [], values: [], advancedAtMs: nowMs };
      this.stations.set(station, series);
    }
    if (series.ts.length > 0 && record.ts <= series.ts[series.ts.length - 1]!) return;
    series.ts.push(record.ts);
    series.values.push(joinedWeatherVariables.map((name) => record.values[name] ?? Number.NaN));
    series.advancedAtMs = nowMs;
  }

  /** Whether every observation of the station at or before `ts` has been read. */
  complete(station: string, ts: number): boolean {
    const series = this.stations.get(station);
    return series !== undefined && series.ts.length > 0 && ts < series.ts[series.ts.length - 1]! + weatherCadenceMs;
  }

  /** Wall-clock time since which the station has not moved on. */
  quietSince(station: string): number {
    return this.stations.get(station)?.advancedAtMs ?? this.startedAtMs;
  }

  /** The joined features at `ts`: the station's newest observation at or before it, if at most `maxStalenessMs` old; NaN otherwise. */
  asOf(station: string, ts: number, maxStalenessMs: number): number[] {
    const series = this.stations.get(station);
    if (series) {
      // Binary search for the last observation at or before ts.
      let low = 0;
      let high = series.ts.length;
      while (low < high) {
        const middle = (low + high) >>> 1;
        if (series.ts[middle]! <= ts) low = middle + 1;
        else high = middle;
      }
      const at = low - 1;
      if (at >= 0 && ts - series.ts[at]! <= maxStalenessMs) return [...series.values[at]!, (ts - series.ts[at]!) / HOUR_MS];
    }
    return weatherJoinNames.map(() => Number.NaN);
  }
}
