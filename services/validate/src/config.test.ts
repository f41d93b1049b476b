import { describe, expect, it } from 'vitest';
import { parseConfig } from '@gridstream/runtime';
import { ValidateConfig } from './config.js';

describe('ValidateConfig', () => {
  it('defaults the future skew to five minutes', () => {
    expect(parseConfig(ValidateConfig, {})).toEqual({ maxFutureSkewMs: 300_000 });
  });

  it('names the variable, the expectation and an example when the value is bad', () => {
    expect(() => parseConfig(ValidateConfig, { VALIDATE_MAX_FUTURE_SKEW_MS: '5m' })).toThrow(
      'VALIDATE_MAX_FUTURE_SKEW_MS: expected a non-negative integer (milliseconds) an event time may lie ahead of the clock, got "5m"; e.g. VALIDATE_MAX_FUTURE_SKEW_MS=300000',
    );
  });
});
