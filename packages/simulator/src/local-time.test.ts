import { describe, expect, it } from 'vitest';
import { localTime } from './local-time.js';

describe('localTime', () => {
  it('applies the zone offset including daylight saving', () => {
    expect(localTime(Date.UTC(2026, 0, 1, 0, 15), 'Europe/Berlin')).toEqual({ hour: 1.25, weekday: 4, dayOfYear: 1 });
    expect(localTime(Date.UTC(2026, 6, 1, 12), 'Europe/Berlin').hour).toBe(14);
    expect(localTime(Date.UTC(2026, 0, 1, 3), 'America/Los_Angeles')).toEqual({ hour: 19, weekday: 3, dayOfYear: 365 });
  });

  it('follows the switch to daylight saving on 8 March 2026 in New York', () => {
    expect(localTime(Date.UTC(2026, 2, 8, 6, 30), 'America/New_York').hour).toBe(1.5);
    expect(localTime(Date.UTC(2026, 2, 8, 7, 30), 'America/New_York').hour).toBe(3.5);
  });
});
