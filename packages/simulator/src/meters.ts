import type { SimulationConfig } from './config.js';
import { bump, clearSky } from './daily-shapes.js';
import { round, type SimulatedEntity } from './entity.js';
import { localTime } from './local-time.js';
import { clamp, normal, randomStream } from './random.js';
import { stationIn } from './weather.js';

export const meterStepMs = 900_000;

const zones = [
  { tz: 'Europe/Berlin', country: 'DE' },
  { tz: 'America/New_York', country: 'US' },
  { tz: 'America/Los_Angeles', country: 'US' },
] as const;

/** Household smart meters: load in kW, rooftop PV on about 30 %, supply voltage on about half. */
export function meters(config: SimulationConfig): SimulatedEntity[] {
  return Array.from({ length: config.meters }, (_, index) => meter(config, index));
}

function meter(config: SimulationConfig, index: number): SimulatedEntity {
  const entity = `meter:M-${String(index + 1).padStart(4, '0')}`;
  const random = randomStream(config.seed, entity);
  const zone = zones[index % zones.length]!;
  const householdScale = 0.6 + 1.2 * random();
  const pvPeakKw = random() < 0.3 ? 3 + 7 * random() : 0;
  const hasVoltage = random() < 0.5;
  const units: Record<string, string> = { load: 'kW' };
  if (pvPeakKw > 0) units.pv = 'kW';
  if (hasVoltage) units.voltage = 'V';
  const station = stationIn(config, zone.tz);
  const tags: Record<string, string> = { tz: zone.tz, country: zone.country, ...(station ? { station } : {}) };

  return {
    source: 'meter',
    entity,
    stepMs: meterStepMs,
    sample(ts) {
      const { hour, weekday, dayOfYear } = localTime(ts, zone.tz);
      const weekend = weekday === 0 || weekday === 6;
      // Later, softer mornings and a midday hump at weekends; one evening peak every day.
      const dailyShape = weekend
        ? 0.3 + 0.4 * bump(hour, 9.5, 1.5) + 0.45 * bump(hour, 13, 2.5) + bump(hour, 19, 2)
        : 0.25 + 0.6 * bump(hour, 7, 1.2) + bump(hour, 19, 2);
      const winter = Math.cos((2 * Math.PI * (dayOfYear - 15)) / 365); // +1 mid-January: heating and lighting
      const loadKw = householdScale * dailyShape * (1 + 0.25 * winter) * (1 + 0.1 * normal(random)) + 0.03 * normal(random);
      const values: Record<string, number> = { load: round(Math.max(0, loadKw), 3) };
      if (pvPeakKw > 0) {
        const clearness = clamp(0.8 + 0.25 * normal(random), 0.1, 1); // passing clouds
        values.pv = round(pvPeakKw * 0.85 * clearSky(hour, dayOfYear) * clearness, 3);
      }
      if (hasVoltage) values.voltage = round(230 * (1 + clamp(0.01 * normal(random), -0.03, 0.03)), 1);
      return { source: 'meter', entity, ts, values, units: { ...units }, tags: { ...tags } };
    },
    outlier(values) {
      values.load = round(values.load! * 8 + 2, 3);
      return 'load';
    },
  };
}
