import { describe, expect, it } from 'vitest';
import { aggregationOf, contractOf, contracts, toCanonical, variableContract } from './contracts.js';

describe('source contracts', () => {
  it('converts to the canonical unit of a variable, and refuses a unit of another quantity', () => {
    const load = contracts.meter!.variables.load!;
    expect(toCanonical(load, 1500, 'W')).toBe(1.5);
    expect(toCanonical(load, 2, 'MW')).toBe(2000);
    expect(toCanonical(load, 2, 'kW')).toBe(2);
    expect(toCanonical(load, 2, 'kWh')).toBeUndefined();
    expect(toCanonical(variableContract(contracts.eia!, 'gen_sun')!, 5000, 'kWh')).toBe(5);
  });

  it('knows no source, variable or unit named like an Object property', () => {
    expect(contractOf('constructor')).toBeUndefined();
    expect(contractOf('meter')).toBe(contracts.meter);
    expect(variableContract(contracts.meter!, 'constructor')).toBeUndefined();
    expect(variableContract(contracts.eia!, 'gen_constructor')).toBeDefined(); // a fuel code, not a property
    expect(toCanonical(contracts.meter!.variables.load!, 2, 'toString')).toBeUndefined();
    expect(toCanonical(contracts.tep!.variables.xmeas_1!, 2, '__proto__')).toBeUndefined();
  });

  it('sums energy and averages everything else when resampling', () => {
    expect(aggregationOf('energy')).toBe('sum');
    expect(aggregationOf('power')).toBe('mean');
    expect(aggregationOf('dimensionless')).toBe('mean');
  });
});
