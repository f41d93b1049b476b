import { describe, expect, it } from 'vitest';
import { defaultSimulationConfig } from './config.js';
import { localTime } from './local-time.js';
import { weatherStations, weatherStepMs } from './weather.js';

const startTs = Date.UTC(2026, 0, 1);
const stations = weatherStations(defaultSimulationConfig({ seed: 9, weatherStations: 5 }));
const readings = stations.flatMap((s) => Array.from({ length: 365 * 24 }, (_, h) => s.sample(startTs + h * weatherStepMs)));
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

describe('weather stations', () => {
  it('report hourly with units and station tags', () => {
    expect(stations[0]!.entity).toBe('weather:KPDX');
    expect(readings[0]!.units).toEqual({ temperature: 'degC', wind_speed: 'm/s', irradiance: 'W/m2', humidity: '%' });
    expect(readings[0]!.tags).toEqual({ tz: 'America/Los_Angeles', station: 'KPDX' });
  });

  it('keep wind and irradiance non-negative, humidity within 0-100 % and irradiance dark at midnight', () => {
    expect(readings.filter(({ values: v }) => v.wind_speed! < 0 || v.irradiance! < 0 || v.humidity! < 0 || v.humidity! > 100)).toEqual([]);
    const midnight = readings.filter((r) => localTime(r.ts, r.tags.tz!).hour === 0);
    expect(midnight.every((r) => r.values.irradiance === 0)).toBe(true);
  });

  it('are warmer in July than in January and in the afternoon than before dawn', () => {
    const inMonth = (m: number) => mean(readings.filter((r) => new Date(r.ts).getUTCMonth() === m).map((r) => r.values.temperature!));
    expect(inMonth(6)).toBeGreaterThan(inMonth(0) + 5);
    const atHour = (h: number) => mean(readings.filter((r) => localTime(r.ts, r.tags.tz!).hour === h).map((r) => r.values.temperature!));
    expect(atHour(15)).toBeGreaterThan(atHour(4) + 3);
  });
});
