import { describe, expect, it } from 'vitest';
import { defaultSimulationConfig } from './config.js';
import { eiaRegions, eiaStepMs } from './eia.js';

const startTs = Date.UTC(2026, 6, 1);
const regions = eiaRegions(defaultSimulationConfig({ seed: 5, regions: 8 }));
const readings = regions.flatMap((region) => Array.from({ length: 14 * 24 }, (_, h) => region.sample(startTs + h * eiaStepMs)));
const fuels = ['gen_ng', 'gen_sun', 'gen_wnd', 'gen_col', 'gen_nuc', 'gen_wat'];

describe('EIA regions', () => {
  it('are named after balancing authorities, hourly, in MWh and UTC', () => {
    expect(regions.map((r) => r.entity)).toEqual(['eia:PACW', 'eia:CISO', 'eia:ERCO', 'eia:NYIS', 'eia:MISO', 'eia:PJM', 'eia:PACW-2', 'eia:CISO-2']);
    expect(eiaStepMs).toBe(3_600_000);
    const first = readings[0]!;
    expect(Object.keys(first.values).sort()).toEqual(['demand', 'forecast', 'interchange', 'net_generation', ...fuels].sort());
    expect(new Set(Object.values(first.units))).toEqual(new Set(['MWh']));
    expect(first.tags).toEqual({ region: 'PACW', tz: 'UTC', station: 'KPDX' }); // the station whose weather is joined onto its demand
  });

  it('balance: generation by fuel sums to net generation, interchange is net generation less demand', () => {
    for (const { values } of readings) {
      expect(fuels.reduce((sum, fuel) => sum + values[fuel]!, 0)).toBe(values.net_generation);
      expect(values.interchange).toBe(values.net_generation! - values.demand!);
      expect(fuels.every((fuel) => values[fuel]! >= 0)).toBe(true);
    }
    expect(readings.some((r) => r.values.interchange! < 0)).toBe(true);
    expect(readings.some((r) => r.values.interchange! > 0)).toBe(true);
  });

  it('forecast demand within a few per cent and solar only by day', () => {
    const errors = readings.map((r) => Math.abs(r.values.forecast! / r.values.demand! - 1));
    expect(Math.max(...errors)).toBeLessThan(0.15);
    expect(readings.some((r) => r.values.gen_sun === 0)).toBe(true);
    expect(readings.some((r) => r.values.gen_sun! > 0)).toBe(true);
  });
});
