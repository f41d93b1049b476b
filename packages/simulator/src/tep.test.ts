import { describe, expect, it } from 'vitest';
import { defaultSimulationConfig } from './config.js';
import { tepStepMs, tepUnits } from './tep.js';

const startTs = Date.UTC(2026, 0, 1);
const [unit1, unit2] = tepUnits(defaultSimulationConfig({ seed: 11, tepUnits: 2, tepFault: { fault: 1, fromStep: 200 } }));
const run = (unit: typeof unit1) => Array.from({ length: 400 }, (_, i) => unit!.sample(startTs + i * tepStepMs));
const faulty = run(unit1);
const normal = run(unit2);
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

describe('TEP units', () => {
  it('sample 41 measurements and 11 manipulated variables every 3 minutes, without units', () => {
    expect(tepStepMs).toBe(180_000);
    expect(Object.keys(normal[0]!.values)).toHaveLength(52);
    expect(normal[0]!.units).toEqual({});
    expect(unit2!.entity).toBe('tep:unit-2');
  });

  it('keep measurements non-negative and valves within 0-100 %', () => {
    const outside = [...faulty, ...normal].flatMap(({ values }) =>
      Object.entries(values).filter(([name, value]) => value < 0 || (name.startsWith('xmv_') && value > 100)),
    );
    expect(outside).toEqual([]);
  });

  it('stay near the base case with small noise', () => {
    const pressures = normal.map((r) => r.values.xmeas_7!);
    expect(Math.abs(mean(pressures) / 2705 - 1)).toBeLessThan(0.01);
    expect(Math.max(...pressures.map((p) => Math.abs(p / 2705 - 1)))).toBeLessThan(0.06);
  });

  it('shift the faulty unit from the configured sample on and label it in tags.fault', () => {
    expect(faulty.map((r) => r.tags.fault)).toEqual([...Array<string>(200).fill('0'), ...Array<string>(200).fill('1')]);
    expect(normal.every((r) => r.tags.fault === '0')).toBe(true);
    const aFeed = (rs: typeof faulty) => mean(rs.map((r) => r.values.xmeas_1!));
    expect(aFeed(faulty.slice(200))).toBeGreaterThan(1.4 * aFeed(faulty.slice(0, 200)));
  });
});
