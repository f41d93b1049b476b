import { describe, expect, it } from 'vitest';
import { nonFiniteOfText, numberOfText } from './number-text.js';

describe('numberOfText', () => {
  it('reads decimals and the non-finite spellings', () => {
    expect(['1', '-1.5', '+.5', '2.', '1e3', '-2.5E-2', 'NaN', 'Infinity', '-Infinity'].map(numberOfText)).toEqual([
      1, -1.5, 0.5, 2, 1000, -0.025, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY,
    ]);
  });

  it('refuses what Number() would quietly take', () => {
    expect(['', ' ', '0x1f', '1_000', 'abc', '1,5', 'nan', 'constructor'].map(numberOfText)).toEqual(Array(8).fill(undefined));
  });
});

describe('nonFiniteOfText', () => {
  it('takes only the three spellings, not decimals', () => {
    expect(['NaN', '-Infinity', '1.25', 'toString'].map(nonFiniteOfText)).toEqual([
      Number.NaN,
      Number.NEGATIVE_INFINITY,
      undefined,
      undefined,
    ]);
  });
});
