import type { SimulationConfig } from './config.js';
import { bump, clearSky } from './daily-shapes.js';
import { nthName, type SimulatedEntity } from './entity.js';
import { localTime } from './local-time.js';
import { clamp, normal, randomStream } from './random.js';
import { stationIn } from './weather.js';

export const eiaStepMs = 3_600_000;

// The zone only shapes demand over the day; records carry UTC like the EIA API.
const balancingAuthorities = [
  { code: 'PACW', tz: 'America/Los_Angeles', peakMwh: 3_500 },
  { code: 'CISO', tz: 'America/Los_Angeles', peakMwh: 35_000 },
  { code: 'ERCO', tz: 'America/Chicago', peakMwh: 55_000 },
  { code: 'NYIS', tz: 'America/New_York', peakMwh: 22_000 },
  { code: 'MISO', tz: 'America/Chicago', peakMwh: 90_000 },
  { code: 'PJM', tz: 'America/New_York', peakMwh: 110_000 },
] as const;

/** EIA-930-style hourly balancing-authority data in MWh: demand, forecast, generation by fuel, interchange. */
export function eiaRegions(config: SimulationConfig): SimulatedEntity[] {
  return Array.from({ length: config.regions }, (_, index) => region(config, index));
}

function region(config: SimulationConfig, index: number): SimulatedEntity {
  const authority = balancingAuthorities[index % balancingAuthorities.length]!;
  const code = nthName(balancingAuthorities.map((a) => a.code), index);
  const entity = `eia:${code}`;
  const random = randomStream(config.seed, entity);
  const station = stationIn(config, authority.tz);
  const peakMwh = authority.peakMwh * (0.8 + 0.4 * random());
  const importShare = 0.2 * random() - 0.1; // negative: the region exports
  const nuclearMwh = peakMwh * 0.2 * random();
  const coalShare = 0.05 + 0.2 * random();
  const hydroShare = 0.02 + 0.15 * random();
  const windPeakMwh = peakMwh * (0.1 + 0.2 * random());
  const solarPeakMwh = peakMwh * (0.05 + 0.25 * random());
  let windLevel = 0.4; // a bounded random walk: wind changes over hours, not from hour to hour

  return {
    source: 'eia',
    entity,
    stepMs: eiaStepMs,
    sample(ts) {
      const { hour, weekday, dayOfYear } = localTime(ts, authority.tz);
      const cooling = Math.max(0, Math.cos((2 * Math.PI * (dayOfYear - 200)) / 365));
      const heating = Math.max(0, Math.cos((2 * Math.PI * (dayOfYear - 15)) / 365));
      const dailyShape = 0.75 + 0.2 * bump(hour, 18, 3) + 0.1 * bump(hour, 9, 2) - 0.12 * bump(hour, 3.5, 2.5);
      const weekendFactor = weekday === 0 || weekday === 6 ? 0.93 : 1;
      const demand = Math.round(
        peakMwh * dailyShape * (0.8 + 0.2 * cooling + 0.1 * heating) * weekendFactor * (1 + 0.015 * normal(random)),
      );
      const forecast = Math.round(demand * (1 + 0.025 * normal(random)));
      const netGeneration = Math.round(demand * (1 - importShare + 0.03 * normal(random)));
      windLevel = clamp(windLevel + 0.1 * normal(random), 0.02, 1);
      const fixed = {
        gen_nuc: nuclearMwh,
        gen_col: coalShare * netGeneration,
        gen_wat: hydroShare * netGeneration * (0.8 + 0.4 * random()),
        gen_wnd: windPeakMwh * windLevel,
        gen_sun: solarPeakMwh * clearSky(hour, dayOfYear) * (0.8 + 0.2 * random()),
      };
      // Gas balances the rest, so scale the others down when they would leave it below 5 %.
      const fixedMwh = Object.values(fixed).reduce((a, b) => a + b, 0);
      const scale = Math.min(1, (0.95 * netGeneration) / fixedMwh);
      const gen = Object.fromEntries(Object.entries(fixed).map(([name, mwh]) => [name, Math.round(mwh * scale)]));
      const genNg = netGeneration - Object.values(gen).reduce((a, b) => a + b, 0);
      const values = { demand, forecast, net_generation: netGeneration, interchange: netGeneration - demand, gen_ng: genNg, ...gen };
      const units = Object.fromEntries(Object.keys(values).map((name) => [name, 'MWh']));
      return { source: 'eia', entity, ts, values, units, tags: { region: code, tz: 'UTC', ...(station ? { station } : {}) } };
    },
    outlier(values) {
      values.demand = values.demand! * 4;
      return 'demand';
    },
  };
}
