import { describe, expect, it } from 'vitest';
import { epochMsOfIso, epochMsOfText } from './timestamp.js';

describe('epochMsOfIso', () => {
  it.each([
    ['2026-01-01T00:00:00Z', 1_767_225_600_000],
    ['2026-01-01T01:00:00+01:00', 1_767_225_600_000],
    ['2026-01-01T00:00:00.250Z', 1_767_225_600_250],
    ['2026-01-01T00:00Z', 1_767_225_600_000],
  ])('reads %s', (text, ms) => {
    expect(epochMsOfIso(text)).toBe(ms);
  });

  it.each(['2026-01-01T00:00:00', '2026-01-01', 'yesterday', '2026-02-30T00:00:00Z', '2026-01-01T24:00:00Z', '2026-13-01T00:00:00Z'])(
    'refuses %s',
    (text) => {
      expect(epochMsOfIso(text)).toBeUndefined();
    },
  );
});

describe('epochMsOfText', () => {
  it('reads whole milliseconds and ISO text, nothing else', () => {
    expect(epochMsOfText('1767225600000')).toBe(1_767_225_600_000);
    expect(epochMsOfText('2026-01-01T00:00:00Z')).toBe(1_767_225_600_000);
    expect(epochMsOfText('1767225600000.5')).toBeUndefined();
    expect(epochMsOfText('99999999999999999999')).toBeUndefined();
  });
});
