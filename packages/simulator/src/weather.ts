import type { SimulationConfig } from './config.js';
import { clearSky } from './daily-shapes.js';
import { nthName, round, type SimulatedEntity } from './entity.js';
import { localTime } from './local-time.js';
import { clamp, normal, randomStream } from './random.js';

export const weatherStepMs = 3_600_000;

const stations = [
  { code: 'KPDX', tz: 'America/Los_Angeles', meanC: 12.5, seasonalC: 8 },
  { code: 'KSFO', tz: 'America/Los_Angeles', meanC: 14.5, seasonalC: 3 },
  { code: 'KJFK', tz: 'America/New_York', meanC: 13, seasonalC: 11 },
  { code: 'KORD', tz: 'America/Chicago', meanC: 10.5, seasonalC: 13 },
  { code: 'EDDB', tz: 'Europe/Berlin', meanC: 10, seasonalC: 9 },
] as const;

const units = { temperature: 'degC', wind_speed: 'm/s', irradiance: 'W/m2', humidity: '%' };

/** Hourly airport weather: temperature, wind, global irradiance and relative humidity. */
export function weatherStations(config: SimulationConfig): SimulatedEntity[] {
  return Array.from({ length: config.weatherStations }, (_, index) => station(config.seed, index));
}

/** The code of the first simulated station in a time zone, the weather a meter or region there is joined with; none when no station is. */
export function stationIn(config: SimulationConfig, tz: string): string | undefined {
  const index = Array.from({ length: Math.min(config.weatherStations, stations.length) }, (_, i) => i).find((i) => stations[i]!.tz === tz);
  return index === undefined ? undefined : stations[index]!.code;
}

function station(seed: number, index: number): SimulatedEntity {
  const site = stations[index % stations.length]!;
  const code = nthName(stations.map((s) => s.code), index);
  const entity = `weather:${code}`;
  const random = randomStream(seed, entity);
  // Weather persists for hours: each of these follows its own slow AR(1) or bounded walk.
  let temperatureAnomalyC = 0;
  let windAnomaly = 0;
  let cloudiness = 0.5;

  return {
    source: 'weather',
    entity,
    stepMs: weatherStepMs,
    sample(ts) {
      const { hour, dayOfYear } = localTime(ts, site.tz);
      temperatureAnomalyC = 0.95 * temperatureAnomalyC + 0.6 * normal(random);
      windAnomaly = 0.9 * windAnomaly + 0.44 * normal(random);
      cloudiness = clamp(cloudiness + 0.15 * normal(random), 0, 1);
      const seasonalC = site.meanC - site.seasonalC * Math.cos((2 * Math.PI * (dayOfYear - 20)) / 365);
      const diurnalC = 4 * Math.sin((2 * Math.PI * (hour - 9)) / 24) * (1 - 0.5 * cloudiness);
      const temperature = seasonalC + diurnalC + temperatureAnomalyC;
      const humidity = clamp(70 - 2.5 * (diurnalC + temperatureAnomalyC) + 20 * (cloudiness - 0.5) + 4 * normal(random), 5, 100);
      const values = {
        temperature: round(temperature, 1),
        wind_speed: round(Math.max(0, 3.5 + 2 * windAnomaly), 1),
        irradiance: round(1000 * clearSky(hour, dayOfYear) * (1 - 0.75 * cloudiness), 1),
        humidity: round(humidity, 0),
      };
      return { source: 'weather', entity, ts, values, units: { ...units }, tags: { tz: site.tz, station: code } };
    },
    outlier(values) {
      values.temperature = round(values.temperature! + 40, 1);
      return 'temperature';
    },
  };
}
