import { describe, expect, it } from 'vitest';
import { defaultSimulationConfig } from './config.js';
import { localTime } from './local-time.js';
import { meterStepMs, meters } from './meters.js';

const hourMs = 3_600_000;
const startTs = Date.UTC(2026, 0, 1);
const config = defaultSimulationConfig({ seed: 3, meters: 60 });
const entities = meters(config);
// Every hour of every fifth day for a year (so all weekdays occur), per meter in time order as in a run.
const hoursTs = Array.from({ length: 73 * 24 }, (_, i) => startTs + Math.floor(i / 24) * 5 * 24 * hourMs + (i % 24) * hourMs);
const readings = entities.flatMap((meter) =>
  hoursTs.map((ts) => {
    const reading = meter.sample(ts);
    return { ...reading, local: localTime(ts, reading.tags.tz!) };
  }),
);
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
type Local = (typeof readings)[number]['local'];
const loadAt = (hour: number, when: (local: Local, ts: number) => boolean = () => true) =>
  mean(readings.filter((r) => r.local.hour === hour && when(r.local, r.ts)).map((r) => r.values.load!));

describe('meters', () => {
  it('carry the code of the first simulated weather station in their zone, the weather joined onto their load', () => {
    const stationByZone = Object.fromEntries(entities.map((m) => m.sample(startTs).tags).map((tags) => [tags.tz, tags.station]));
    // The default four stations cover the US zones but not Berlin (EDDB is the fifth).
    expect(stationByZone).toEqual({ 'Europe/Berlin': undefined, 'America/New_York': 'KJFK', 'America/Los_Angeles': 'KPDX' });
    const withFive = meters(defaultSimulationConfig({ seed: 3, meters: 1, weatherStations: 5 }))[0]!.sample(startTs);
    expect(withFive.tags).toEqual({ tz: 'Europe/Berlin', country: 'DE', station: 'EDDB' });
  });

  it('are numbered, every 15 minutes, spread over time zones, about 30 % with PV', () => {
    expect(entities.slice(0, 2).map((m) => [m.entity, m.stepMs])).toEqual([
      ['meter:M-0001', meterStepMs],
      ['meter:M-0002', meterStepMs],
    ]);
    expect(meterStepMs).toBe(900_000);
    expect(new Set(readings.map((r) => r.tags.tz)).size).toBeGreaterThanOrEqual(2);
    const withPv = entities.filter((m) => 'pv' in m.sample(startTs).values).length;
    expect(withPv).toBeGreaterThanOrEqual(8);
    expect(withPv).toBeLessThanOrEqual(28);
  });

  it('never report a negative load or PV, and keep voltage within 230 V ± 3 %', () => {
    expect(readings.filter((r) => r.values.load! < 0 || (r.values.pv ?? 0) < 0)).toEqual([]);
    const volts = readings.flatMap((r) => (r.values.voltage === undefined ? [] : [r.values.voltage]));
    expect(volts.length).toBeGreaterThan(0);
    expect(volts.every((v) => v >= 223.1 && v <= 236.9)).toBe(true);
  });

  it('produce no PV at local midnight and some at local noon', () => {
    const pv = readings.filter((r) => r.values.pv !== undefined);
    const atHour = (hour: number) => pv.filter((r) => r.local.hour === hour).map((r) => r.values.pv!);
    expect(atHour(0).length).toBeGreaterThan(500);
    expect(atHour(0).every((kw) => kw === 0)).toBe(true);
    expect(mean(atHour(12))).toBeGreaterThan(1);
  });

  it('peak in the evening, start later at weekends and draw more in winter', () => {
    const weekday = (local: Local) => local.weekday !== 0 && local.weekday !== 6;
    const weekend = (local: Local) => !weekday(local);
    expect(loadAt(19)).toBeGreaterThan(2 * loadAt(3));
    expect(loadAt(7, weekday)).toBeGreaterThan(1.2 * loadAt(7, weekend));
    const month = (m: number) => (_: Local, ts: number) => new Date(ts).getUTCMonth() === m;
    expect(loadAt(19, month(0))).toBeGreaterThan(1.2 * loadAt(19, month(6)));
  });
});
