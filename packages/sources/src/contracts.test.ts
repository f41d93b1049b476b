import { describe, expect, it } from 'vitest';
import { aggregationOf, contracts, toCanonical, variableContract } from './contracts.js';

describe('source contracts', () => {
  it('converts to the canonical unit of a variable, and refuses a unit of another quantity', () => {
    const load = contracts.meter!.variables.load!;
    expect(toCanonical(load, 1500, 'W')).toBe(1.5);
    expect(toCanonical(load, 2, 'MW')).toBe(2000);
    expect(toCanonical(load, 2, 'kW')).toBe(2);
    expect(toCanonical(load, 2, 'kWh')).toBeUndefined();
    expect(toCanonical(variableContract(contracts.eia!, 'gen_sun')!, 5000, 'kWh')).toBe(5);
  });

  it('sums energy and averages everything else when resampling', () => {
    expect(aggregationOf('energy')).toBe('sum');
    expect(aggregationOf('power')).toBe('mean');
    expect(aggregationOf('dimensionless')).toBe('mean');
  });
});
