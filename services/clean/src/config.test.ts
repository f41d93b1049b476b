import { describe, expect, it } from 'vitest';
import { parseConfig } from '@gridstream/runtime';
import { CleanConfig } from './config.js';

describe('CleanConfig', () => {
  it('has the defaults docs/clean.md lists', () => {
    expect(parseConfig(CleanConfig, {})).toEqual({
      graceMs: 1_800_000,
      maxInterpolateSteps: 4,
      hampelWindowSteps: 24,
      hampelMinSteps: 8,
      hampelThreshold: 4,
      replaceOutliers: [],
      latePolicy: 'dlq',
      idleMs: 30_000,
    });
  });

  it('reads the variables whose outliers are replaced, and names a bad list', () => {
    expect(parseConfig(CleanConfig, { CLEAN_REPLACE_OUTLIERS: 'load,demand' }).replaceOutliers).toEqual(['load', 'demand']);
    expect(() => parseConfig(CleanConfig, { CLEAN_REPLACE_OUTLIERS: 'load, demand' })).toThrow(
      'CLEAN_REPLACE_OUTLIERS: expected comma-separated variable names, e.g. load,demand, got "load, demand"',
    );
  });
});
