import { describe, expect, it } from 'vitest';
import { dayHours, isPublicHoliday, localTime } from './calendar.js';

const hoursOf = (iso: string, timeZone: string) => dayHours(localTime(Date.parse(iso), timeZone), timeZone);

describe('calendar', () => {
  it('gives 23 and 25 hours on the DST transition days of Berlin and New York, 24 otherwise', () => {
    expect(hoursOf('2026-03-29T12:00:00Z', 'Europe/Berlin')).toBe(23);
    expect(hoursOf('2026-10-25T12:00:00Z', 'Europe/Berlin')).toBe(25);
    expect(hoursOf('2026-03-08T17:00:00Z', 'America/New_York')).toBe(23);
    expect(hoursOf('2026-11-01T17:00:00Z', 'America/New_York')).toBe(25);
    expect(hoursOf('2026-07-01T12:00:00Z', 'Europe/Berlin')).toBe(24);
    expect(hoursOf('2026-03-29T12:00:00Z', 'UTC')).toBe(24);
  });

  it('skips the lost hour and repeats the gained one in local time', () => {
    // Berlin springs from 02:00 to 03:00 at 01:00 UTC, and falls back from 03:00 to 02:00 at 01:00 UTC.
    expect(localTime(Date.parse('2026-03-29T00:30:00Z'), 'Europe/Berlin').hour).toBe(1);
    expect(localTime(Date.parse('2026-03-29T01:30:00Z'), 'Europe/Berlin').hour).toBe(3);
    expect(localTime(Date.parse('2026-10-25T00:30:00Z'), 'Europe/Berlin').hour).toBe(2);
    expect(localTime(Date.parse('2026-10-25T01:30:00Z'), 'Europe/Berlin').hour).toBe(2);
  });

  it('takes the local date, day of week and month in the zone', () => {
    // 03:00 UTC on a Saturday is still Friday evening in Los Angeles.
    expect(localTime(Date.parse('2026-12-26T03:00:00Z'), 'America/Los_Angeles')).toEqual({ year: 2026, month: 12, day: 25, hour: 19, dayOfWeek: 5 });
  });

  it('knows public holidays on known dates, by local date', () => {
    const local = (iso: string, tz: string) => localTime(Date.parse(iso), tz);
    expect(isPublicHoliday(local('2026-12-25T10:00:00Z', 'Europe/Berlin'), 'DE', undefined)).toBe(true);
    expect(isPublicHoliday(local('2026-10-03T10:00:00Z', 'Europe/Berlin'), 'DE', undefined)).toBe(true);
    expect(isPublicHoliday(local('2026-11-26T17:00:00Z', 'America/New_York'), 'US', undefined)).toBe(true); // Thanksgiving
    expect(isPublicHoliday(local('2026-07-03T17:00:00Z', 'America/New_York'), 'US', undefined)).toBe(true); // observed for Saturday the 4th
    expect(isPublicHoliday(local('2026-11-27T04:00:00Z', 'America/Los_Angeles'), 'US', undefined)).toBe(true); // still the 26th there
    expect(isPublicHoliday(local('2026-11-27T17:00:00Z', 'America/New_York'), 'US', undefined)).toBe(false);
    // Epiphany is a holiday in Bavaria only.
    expect(isPublicHoliday(local('2026-01-06T10:00:00Z', 'Europe/Berlin'), 'DE', 'BY')).toBe(true);
    expect(isPublicHoliday(local('2026-01-06T10:00:00Z', 'Europe/Berlin'), 'DE', undefined)).toBe(false);
  });
});
